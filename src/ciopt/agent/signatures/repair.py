"""The repair signature: a rejected candidate, why it failed, and edits that fix it."""

from __future__ import annotations

from pydantic import BaseModel

from ciopt.agent.ir import Blobs, Block
from ciopt.agent.signatures.propose import (
    Proposal,
    ProposeInput,
    SourceFile,
    TargetRef,
    context_blocks,
    decode_edits,
    format_values,
)
from ciopt.agent.signatures.signature import Signature

__all__ = ["REPAIR", "FailedCandidate", "RepairInput"]


class FailedCandidate(BaseModel):
    id: int
    reason: str  # not_applied, tests_failed, behavior_changed, ...
    message: str
    rationale: str = ""
    diff: str = ""  # empty when its edits could not be applied


class RepairInput(BaseModel):
    targets: list[TargetRef]
    files: list[SourceFile]
    failed: FailedCandidate
    benchmark: str = ""


def _blocks(inputs: RepairInput, blobs: Blobs) -> list[Block]:
    base = ProposeInput(targets=inputs.targets, files=inputs.files, benchmark=inputs.benchmark)
    blocks = context_blocks(base, blobs, verb="Make")
    failed = inputs.failed
    why = f"Candidate {failed.id} was rejected ({failed.reason}): {failed.message}"
    if failed.rationale:
        why += f"\n\nIts idea: {failed.rationale}"
    blocks.append(Block(kind="context", name="failure", title="Why it was rejected", text=why))
    if failed.diff:
        blocks.append(blobs.context("failed_diff", "Its change (not applied)", failed.diff, "diff"))
    return blocks


REPAIR: Signature[RepairInput, Proposal] = Signature(
    id="repair_candidate",
    inputs=RepairInput,
    outputs=Proposal,
    context=_blocks,
    text_decoder=decode_edits,
    format_values=format_values,
)
