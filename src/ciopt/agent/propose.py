"""The propose signature: context about the target in, a rationale and edits out."""

from __future__ import annotations

from pydantic import BaseModel

from ciopt.agent.call import Capture, call_model
from ciopt.agent.edits import SEARCH, Edit, parse_edits
from ciopt.agent.models import Model
from ciopt.agent.render import render_messages
from ciopt.budget import Ledger
from ciopt.trace import Tracer

__all__ = ["Attempt", "HotSpot", "Proposal", "ProposeInput", "SourceFile", "TargetRef", "propose"]

SIGNATURE = "propose_optimization"


class TargetRef(BaseModel):
    path: str
    qualname: str


class SourceFile(BaseModel):
    path: str
    text: str


class HotSpot(BaseModel):
    function: str
    file: str
    line: int
    calls: int
    tottime_s: float
    cumtime_s: float


class Attempt(BaseModel):
    id: int
    outcome: str
    message: str
    rationale: str = ""


class ProposeInput(BaseModel):
    targets: list[TargetRef]
    files: list[SourceFile]
    benchmark: str = ""
    profile: list[HotSpot] = []
    attempts: list[Attempt] = []


class Proposal(BaseModel):
    rationale: str
    edits: list[Edit]


def propose(
    model: Model, inputs: ProposeInput, *, tracer: Tracer, ledger: Ledger, capture: Capture
) -> tuple[str, Proposal]:
    """Ask for one candidate. Returns the raw reply and its decoding (``EditError`` if none)."""
    messages = render_messages("propose", inputs.model_dump())
    reply = call_model(
        model, messages, signature=SIGNATURE, tracer=tracer, ledger=ledger, capture=capture
    )
    return reply.text, decode(reply.text)


def decode(text: str) -> Proposal:
    edits = parse_edits(text)
    head = text.split(SEARCH, 1)[0].strip().splitlines()
    rationale = " ".join(line.strip() for line in head[:-1] if line.strip())
    return Proposal(rationale=rationale[:2000], edits=edits)
