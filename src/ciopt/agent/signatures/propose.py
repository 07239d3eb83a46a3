"""The propose signature: what the model is told about the target, and the edits it answers."""

from __future__ import annotations

from typing import Any, Protocol

from pydantic import BaseModel, Field

from ciopt.agent.context import Caller, HotLine
from ciopt.agent.edits import Edit
from ciopt.agent.ir import Blobs, Block, templates
from ciopt.agent.locate import locate, name_parts
from ciopt.agent.memory import Recalled
from ciopt.agent.replies import read_reply
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
    "format_values",
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
    memory: list[Recalled] = []  # what earlier runs tried on these targets


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
    blocks = [inline("task", "Task", "task", inputs.targets, verb, " faster")]
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
    if inputs.memory:
        title = "What earlier runs tried on this target"
        blocks.append(inline("memory", title, "memory", inputs.memory))
    if inputs.attempts:
        title = "Earlier attempts and what happened to them"
        blocks.append(inline("attempts", title, "attempts", inputs.attempts))
    return blocks


class Sources(Protocol):
    """What propose and repair both give: the targets and the files that hold them."""

    @property
    def targets(self) -> list[TargetRef]: ...

    @property
    def files(self) -> list[SourceFile]: ...


def decode_edits(text: str, inputs: Sources) -> Proposal:
    """A rationale, then SEARCH/REPLACE blocks or the targets' whole new definitions in code
    blocks (``replies``); ``EditError`` when there are none that can be used."""
    targets = [(t.path, t.qualname) for t in inputs.targets]
    rationale, edits = read_reply(text, targets, {f.path: f.text for f in inputs.files})
    return Proposal(rationale=rationale, edits=edits)


def format_values(inputs: Sources) -> dict[str, Any]:
    """The targets as the format templates show them: path, name, def line(s), first lines."""
    files = {f.path: f.text for f in inputs.files}
    shown = []
    for t in inputs.targets:
        where = locate(files[t.path], t.path, t.qualname) if t.path in files else None
        shown.append(
            {
                "path": t.path,
                "qualname": t.qualname,
                "name": (name_parts(t.qualname) or [t.qualname])[-1],
                "owner": where.owner if where else "",  # the class of a method
                "outer": where.outer if where else "",  # the function holding a nested one
                "signature": where.signature() if where else "",
                "first_lines": where.first_lines() if where else "",
                "decorated": bool(where and where.start < where.head),
            }
        )
    return {"targets": shown}


PROPOSE: Signature[ProposeInput, Proposal] = Signature(
    id="propose_optimization",
    inputs=ProposeInput,
    outputs=Proposal,
    context=context_blocks,
    text_decoder=decode_edits,
    format_values=format_values,
    demo_fields=("targets", "files"),
)
