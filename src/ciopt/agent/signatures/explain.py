"""The explain signature: the verified winner in, a title and summary for the PR out."""

from __future__ import annotations

from pydantic import BaseModel, Field

from ciopt.agent.ir import Blobs, Block
from ciopt.agent.signatures.propose import TargetRef, inline
from ciopt.agent.signatures.signature import Signature

__all__ = ["EXPLAIN", "ExplainInput", "Explanation"]


class ExplainInput(BaseModel):
    targets: list[TargetRef]
    diff: str
    rationale: str = ""
    measurement: str  # e.g. "0.0148x the baseline's time (99% CI 0.0145-0.0151): 67.6x faster"
    correctness: str  # e.g. "35 tests pass; 9/9 recorded calls and 49/49 generated inputs equal"


class Explanation(BaseModel):
    title: str = Field(min_length=3, max_length=100)
    summary: str = Field(min_length=10, max_length=3000)


def _blocks(inputs: ExplainInput, blobs: Blobs) -> list[Block]:
    blocks = [
        inline("task", "Task", "task", inputs.targets, "Explain the optimization of"),
        blobs.context("diff", "The change", inputs.diff, "diff"),
        Block(kind="context", name="measurement", title="Measured", text=inputs.measurement),
        Block(kind="context", name="correctness", title="Verified", text=inputs.correctness),
    ]
    if inputs.rationale:
        blocks.append(
            Block(
                kind="context",
                name="rationale",
                title="The author's rationale",
                text=inputs.rationale,
            )
        )
    return blocks


EXPLAIN: Signature[ExplainInput, Explanation] = Signature(
    id="explain_winner", inputs=ExplainInput, outputs=Explanation, context=_blocks
)
