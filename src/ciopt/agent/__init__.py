"""The agent layer: typed signatures, the prompt IR, one model adapter, decoding, policies.

signatures  what the model is asked (propose, repair, explain), typed both ways
context     what it is told about a target beyond its source: callers, hot lines
ir          prompts as data: ordered blocks, large context held once by sha256
predict     one typed model call: policy, render, call, decode (and repair), receipt
failures    a failed model call told as one line: which call, what the endpoint did
memory      what earlier runs tried on a target: its lines, and what a prompt recalls
decode      a reply into the signature's output model, strict or tolerant
replies     a propose/repair reply into edits: SEARCH/REPLACE blocks, else whole definitions
definitions whole-definition replies: a function written out whole put in place of the old one
codeblocks  a reply's code blocks, parsed, and their statements re-indented
imports     the imports a reply's code brings that a module lacks, and where they go
locate      where a function or method is defined in a file, by qualified name (AST)
splice      line regions of a file replaced, told as edits of the exact old text
fences      fenced code blocks in a reply, and the prose around them
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
from ciopt.agent.hashing import canonical_json, sha256_hex
from ciopt.agent.ir import prompts_hash
from ciopt.agent.memory import (
    MemoryItem,
    Read,
    Recalled,
    Recollection,
    fate_of,
    idea_of,
    read_lines,
    recall,
    to_line,
)
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
from ciopt.agent.policy import (
    Demo,
    EvalFigures,
    Policy,
    PolicyEvaluation,
    PolicyParams,
    PolicyRegistry,
    Provenance,
    short_id,
)
from ciopt.agent.predict import DecodeFailed, Prediction, Predictor, Receipt
from ciopt.agent.replayed import ReplayModel, recorded_calls
from ciopt.agent.signatures import (
    EXPLAIN,
    OUTPUT_FORMATS,
    PROPOSE,
    REPAIR,
    SIGNATURES,
    Attempt,
    ExplainInput,
    Explanation,
    FailedCandidate,
    HotSpot,
    OutputFormat,
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
    "OUTPUT_FORMATS",
    "PROPOSE",
    "REPAIR",
    "SIGNATURES",
    "Attempt",
    "Caller",
    "Completion",
    "DecodeError",
    "DecodeFailed",
    "Demo",
    "Edit",
    "EditError",
    "EvalFigures",
    "ExplainInput",
    "Explanation",
    "FailedCandidate",
    "HotLine",
    "HotSpot",
    "LiteLLMModel",
    "MemoryItem",
    "Model",
    "OutputFormat",
    "Policy",
    "PolicyEvaluation",
    "PolicyParams",
    "PolicyRegistry",
    "Prediction",
    "Predictor",
    "Proposal",
    "ProposeInput",
    "Provenance",
    "Read",
    "Recalled",
    "Receipt",
    "Recollection",
    "RepairInput",
    "ReplayModel",
    "ScriptedModel",
    "Signature",
    "SourceFile",
    "TargetRef",
    "apply_edits",
    "canonical_json",
    "decode",
    "fate_of",
    "find_callers",
    "idea_of",
    "missing_credentials",
    "open_model",
    "open_models",
    "parse_edits",
    "prompts_hash",
    "read_line_profile",
    "read_lines",
    "recall",
    "recorded_calls",
    "schema_hashes",
    "sha256_hex",
    "short_id",
    "to_line",
]
