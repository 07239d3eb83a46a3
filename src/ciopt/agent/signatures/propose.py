"""The propose signature: what the model is told about the target, and the edits it answers."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from ciopt.agent.context import Caller, HotLine
from ciopt.agent.edits import SEARCH, Edit, parse_edits
from ciopt.agent.ir import Blobs, Block, templates
from ciopt.agent.signatures.signature import Signature

__all__ = [
    "PROPOSE",
    "Attempt",
    "HotSpot",
    "Proposal",
    "ProposeInput",
    "SourceFile",
    "TargetRef",
    "context_blocks",
    "decode_edits",
    "inline",
]


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
    callers: list[Caller] = []
    benchmark: str = ""
    profile: list[HotSpot] = []
    hot_lines: list[HotLine] = []
    attempts: list[Attempt] = []


class Proposal(BaseModel):
    rationale: str = Field(max_length=4000)
    edits: list[Edit] = Field(min_length=1)


def macro(name: str, *args: Any) -> str:
    """The text of one macro of ``blocks.j2``."""
    return str(getattr(templates().get_template("blocks.j2").module, name)(*args)).strip()


def inline(name: str, title: str, macro_name: str, *args: Any) -> Block:
    """A small context block rendered from a macro of ``blocks.j2``."""
    return Block(kind="context", name=name, title=title, text=macro(macro_name, *args))


def context_blocks(inputs: ProposeInput, blobs: Blobs, *, verb: str = "Make") -> list[Block]:
    blocks = [inline("task", "Task", "task", inputs.targets, verb)]
    for f in inputs.files:
        blocks.append(
            blobs.context(f"file:{f.path}", f"Current contents of `{f.path}`", f.text, "python")
        )
    if inputs.callers:
        text = macro("callers", inputs.callers)
        blocks.append(blobs.context("callers", "Where it is called from", text))
    if inputs.benchmark:
        blocks.append(
            blobs.context("benchmark", "The benchmark that measures it", inputs.benchmark, "python")
        )
    if inputs.profile:
        title = "Hottest functions while the benchmark runs (cProfile, baseline)"
        blocks.append(inline("profile", title, "profile", inputs.profile))
    if inputs.hot_lines:
        title = "Hottest lines of the target's file (line profile, baseline)"
        blocks.append(inline("hot_lines", title, "hot_lines", inputs.hot_lines))
    if inputs.attempts:
        title = "Earlier attempts and what happened to them"
        blocks.append(inline("attempts", title, "attempts", inputs.attempts))
    return blocks


def decode_edits(text: str) -> Proposal:
    """A rationale paragraph, then SEARCH/REPLACE blocks (``EditError`` when there are none)."""
    edits = parse_edits(text)
    head = text.split(SEARCH, 1)[0].strip().splitlines()
    rationale = " ".join(line.strip() for line in head[:-1] if line.strip())
    return Proposal(rationale=rationale[:4000], edits=edits)


PROPOSE: Signature[ProposeInput, Proposal] = Signature(
    id="propose_optimization",
    inputs=ProposeInput,
    outputs=Proposal,
    context=context_blocks,
    text_decoder=decode_edits,
)
