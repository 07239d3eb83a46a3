"""The run's signatures: what the model is asked, typed both ways, and the registry by id.

    signature   the machinery: input and output models, templates, demos, the schema hash
    propose     the target and its context in, edits out (whole definitions or SEARCH/REPLACE)
    repair      a rejected candidate and why, edits that fix it out
    explain     the verified winner in, a title and summary for the pull request out

Policies are compiled against and promoted for a signature's id (``SIGNATURES``).
"""

from __future__ import annotations

from typing import Any

from ciopt.agent.signatures.explain import EXPLAIN, ExplainInput, Explanation
from ciopt.agent.signatures.propose import (
    PROPOSE,
    Attempt,
    HotSpot,
    Proposal,
    ProposeInput,
    SourceFile,
    TargetRef,
)
from ciopt.agent.signatures.repair import REPAIR, FailedCandidate, RepairInput
from ciopt.agent.signatures.signature import OUTPUT_FORMATS, DemoText, OutputFormat, Signature

__all__ = [
    "EXPLAIN",
    "OUTPUT_FORMATS",
    "PROPOSE",
    "REPAIR",
    "SIGNATURES",
    "Attempt",
    "DemoText",
    "ExplainInput",
    "Explanation",
    "FailedCandidate",
    "HotSpot",
    "OutputFormat",
    "Proposal",
    "ProposeInput",
    "RepairInput",
    "Signature",
    "SourceFile",
    "TargetRef",
    "schema_hashes",
]

SIGNATURES: dict[str, Signature[Any, Any]] = {s.id: s for s in (PROPOSE, REPAIR, EXPLAIN)}


def schema_hashes() -> dict[str, str]:
    """Each signature's schema hash, by id: what a policy was compiled against."""
    return {name: signature.schema_hash for name, signature in SIGNATURES.items()}
