"""The agent layer: typed signatures, prompt IR, one model adapter, decoding, policies."""

from __future__ import annotations

from ciopt.agent.decode import DecodeError, decode
from ciopt.agent.edits import Edit, EditError, apply_edits, parse_edits
from ciopt.agent.explain import EXPLAIN, ExplainInput, Explanation
from ciopt.agent.models import MODELS, Completion, LiteLLMModel, Model, ScriptedModel, open_model
from ciopt.agent.predict import DecodeFailed, Prediction, Predictor, Receipt
from ciopt.agent.propose import (
    PROPOSE,
    Attempt,
    HotSpot,
    Proposal,
    ProposeInput,
    SourceFile,
    TargetRef,
)
from ciopt.agent.repair import REPAIR, FailedCandidate, RepairInput
from ciopt.agent.signature import Signature
from ciopt.agent.signatures import SIGNATURES, schema_hashes

__all__ = [
    "EXPLAIN",
    "MODELS",
    "PROPOSE",
    "REPAIR",
    "SIGNATURES",
    "Attempt",
    "Completion",
    "DecodeError",
    "DecodeFailed",
    "Edit",
    "EditError",
    "ExplainInput",
    "Explanation",
    "FailedCandidate",
    "HotSpot",
    "LiteLLMModel",
    "Model",
    "Prediction",
    "Predictor",
    "Proposal",
    "ProposeInput",
    "Receipt",
    "RepairInput",
    "ScriptedModel",
    "Signature",
    "SourceFile",
    "TargetRef",
    "apply_edits",
    "decode",
    "open_model",
    "parse_edits",
    "schema_hashes",
]
