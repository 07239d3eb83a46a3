"""Models: one adapter over litellm, and a scripted model that answers through the same path.

A model spec is a litellm model string (``openai/gpt-4o-mini``, ``anthropic/...``,
``ollama_chat/...``, ``openai/<name>`` with ``api_base`` for vLLM or llama.cpp), or
``scripted:PATH.jsonl``: one ``{"content": "..."}`` a line, answered in order through litellm's
own ``mock_response`` path, so decoding, cost accounting and the trace are exercised as for a
real model.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from pydantic import BaseModel

from ciopt.errors import ConfigError, ModelError

__all__ = ["MODELS", "Completion", "LiteLLMModel", "Model", "ScriptedModel", "open_model"]

Message = dict[str, str]


class Completion(BaseModel):
    text: str
    model: str
    provider: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    latency_s: float = 0.0


class Model(Protocol):
    name: str

    def complete(self, messages: list[Message]) -> Completion: ...


def _litellm() -> Any:
    # litellm otherwise fetches its price list from the internet when imported.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm  # noqa: PLC0415 - imported on first use: it takes seconds to import

    return litellm


class LiteLLMModel:
    """Any litellm model, with an explicit timeout and retries for transient failures."""

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        timeout: float = 120.0,
        num_retries: int = 3,
        completion: Callable[..., Any] | None = None,
    ) -> None:
        self.name = model
        self._model = model  # what litellm is asked for
        self._api_base = api_base
        self._timeout = timeout
        self._retries = num_retries
        self._completion = completion

    def _call_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"timeout": self._timeout, "num_retries": self._retries}
        if self._api_base:
            args["api_base"] = self._api_base
        return args

    def complete(self, messages: list[Message]) -> Completion:
        litellm = _litellm()
        completion = self._completion or litellm.completion
        start = time.perf_counter()
        try:
            response = completion(model=self._model, messages=messages, **self._call_args())
        except ModelError:
            raise
        except Exception as exc:  # litellm's exception family, translated at the boundary
            raise ModelError(
                f"model {self.name} failed: {type(exc).__name__}: {str(exc)[:300]} "
                "(check the model name, its API key variable and --api-base)"
            ) from exc
        latency = time.perf_counter() - start
        usage = getattr(response, "usage", None)
        try:
            cost = float(litellm.completion_cost(completion_response=response) or 0.0)
        except Exception:  # models without a known price cost nothing we can count
            cost = 0.0
        provider = self._model.split("/", 1)[0] if "/" in self._model else "openai"
        return Completion(
            text=response.choices[0].message.content or "",
            model=self._model,
            provider=provider,
            input_tokens=int(getattr(usage, "prompt_tokens", 0) or 0),
            output_tokens=int(getattr(usage, "completion_tokens", 0) or 0),
            cost_usd=cost,
            latency_s=latency,
        )


class ScriptedModel(LiteLLMModel):
    """Answers from a JSONL file in order; running out is an error that says what to do."""

    def __init__(self, path: Path) -> None:
        super().__init__("openai/ciopt-scripted", num_retries=0)
        self.name = f"scripted:{path}"
        self.path = path
        self._responses = _read_script(path)
        self._used = 0

    def _call_args(self) -> dict[str, Any]:
        if self._used >= len(self._responses):
            raise ModelError(
                f"the scripted model {self.path} has no response left after {self._used} "
                "calls; add lines to it or lower candidates=",
                reason="model_exhausted",
            )
        text = self._responses[self._used]
        self._used += 1
        return {**super()._call_args(), "mock_response": text}

    def complete(self, messages: list[Message]) -> Completion:
        done = super().complete(messages)
        return done.model_copy(update={"model": "ciopt-scripted", "provider": "scripted"})


def _read_script(path: Path) -> list[str]:
    if not path.is_file():
        raise ConfigError(f"scripted model file {path} does not exist; pass --model scripted:FILE")
    responses = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            content = json.loads(line)["content"]
        except (ValueError, KeyError, TypeError):
            raise ConfigError(
                f'{path}:{number} is not a JSON object with a "content" string; fix that line'
            ) from None
        responses.append(str(content))
    return responses


MODELS: dict[str, Callable[[str, dict[str, Any]], Model]] = {
    "scripted": lambda spec, _opts: ScriptedModel(Path(spec)),
    "litellm": lambda spec, opts: LiteLLMModel(spec, **opts),
}


def open_model(spec: str | None, *, api_base: str | None = None, timeout: float = 120.0) -> Model:
    """The model for ``spec``: ``scripted:PATH`` or any litellm model string."""
    if not spec:
        raise ConfigError(
            "no model configured; pass --model (e.g. openai/gpt-4o-mini, or "
            "scripted:FILE.jsonl) or set CIOPT_MODEL"
        )
    kind, sep, rest = spec.partition(":")
    if sep and kind in MODELS and kind != "litellm":
        return MODELS[kind](rest, {})
    return MODELS["litellm"](spec, {"api_base": api_base, "timeout": timeout})
