"""The agent layer: models behind one adapter, signatures rendered from templates, edits."""

from __future__ import annotations

from ciopt.agent.call import call_model, prompt_hash
from ciopt.agent.edits import Edit, EditError, apply_edits, parse_edits
from ciopt.agent.models import MODELS, Completion, LiteLLMModel, Model, ScriptedModel, open_model
from ciopt.agent.propose import (
    Attempt,
    HotSpot,
    Proposal,
    ProposeInput,
    SourceFile,
    TargetRef,
    propose,
)

__all__ = [
    "MODELS",
    "Attempt",
    "Completion",
    "Edit",
    "EditError",
    "HotSpot",
    "LiteLLMModel",
    "Model",
    "Proposal",
    "ProposeInput",
    "ScriptedModel",
    "SourceFile",
    "TargetRef",
    "apply_edits",
    "call_model",
    "open_model",
    "parse_edits",
    "prompt_hash",
    "propose",
]
