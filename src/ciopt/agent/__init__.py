"""The agent layer: typed signatures, the prompt IR, one model adapter, decoding, policies.

signatures  what the model is asked (propose, repair, explain), typed both ways
context     what it is told about a target beyond its source: callers, hot lines
ir          prompts as data: ordered blocks, large context held once by sha256
predict     one typed model call: policy, render, call, decode (and repair), receipt
failures    a failed model call told as one line: which call, what the endpoint did
decode      a reply into the signature's output model, strict or tolerant
edits       SEARCH/REPLACE edits, parsed and applied
models      litellm behind one adapter; the scripted model; roles and prices
replayed    a model that answers from a recorded trace
policy      pinned, content-addressed prompt policies and their registry
hashing     canonical JSON and sha256
"""

from __future__ import annotations

from ciopt.agent.context import Caller, HotLine, find_callers, read_line_profile
from ciopt.agent.decode import DecodeError, decode
from ciopt.agent.edits import Edit, EditError, apply_edits, parse_edits
from ciopt.agent.models import (
    MODELS,
    Completion,
    LiteLLMModel,
    Model,
    ScriptedModel,
    missing_credentials,
    open_model,
    open_models,
)
from ciopt.agent.policy import Policy, PolicyParams, PolicyRegistry, short_id
from ciopt.agent.predict import DecodeFailed, Prediction, Predictor, Receipt
from ciopt.agent.replayed import ReplayModel, recorded_calls
from ciopt.agent.signatures import (
    EXPLAIN,
    PROPOSE,
    REPAIR,
    SIGNATURES,
    Attempt,
    ExplainInput,
    Explanation,
    FailedCandidate,
    HotSpot,
    Proposal,
    ProposeInput,
    RepairInput,
    Signature,
    SourceFile,
    TargetRef,
    schema_hashes,
)

__all__ = [
    "EXPLAIN",
    "MODELS",
    "PROPOSE",
    "REPAIR",
    "SIGNATURES",
    "Attempt",
    "Caller",
    "Completion",
    "DecodeError",
    "DecodeFailed",
    "Edit",
    "EditError",
    "ExplainInput",
    "Explanation",
    "FailedCandidate",
    "HotLine",
    "HotSpot",
    "LiteLLMModel",
    "Model",
    "Policy",
    "PolicyParams",
    "PolicyRegistry",
    "Prediction",
    "Predictor",
    "Proposal",
    "ProposeInput",
    "Receipt",
    "RepairInput",
    "ReplayModel",
    "ScriptedModel",
    "Signature",
    "SourceFile",
    "TargetRef",
    "apply_edits",
    "decode",
    "find_callers",
    "missing_credentials",
    "open_model",
    "open_models",
    "parse_edits",
    "read_line_profile",
    "recorded_calls",
    "schema_hashes",
    "short_id",
]
