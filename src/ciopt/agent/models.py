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
import random
import time
from collections.abc import Callable
from http import HTTPStatus
from pathlib import Path
from typing import Any, Protocol

import httpx
from pydantic import BaseModel

from ciopt.config import Price, Settings
from ciopt.errors import ConfigError, ModelError

__all__ = [
    "MODELS",
    "Completion",
    "LiteLLMModel",
    "Model",
    "Price",
    "ScriptedModel",
    "open_model",
    "open_models",
    "retry_after",
    "transient",
]

Message = dict[str, str]


class Completion(BaseModel):
    text: str
    model: str
    provider: str
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cost_known: bool = True  # False: the model has no price in litellm's map or the config
    latency_s: float = 0.0
    retries: int = 0  # transient failures retried before this answer


class Model(Protocol):
    name: str

    def complete(self, messages: list[Message]) -> Completion: ...


def _litellm() -> Any:
    # litellm otherwise fetches its price list from the internet when imported.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm  # noqa: PLC0415 - imported on first use: it takes seconds to import

    return litellm


TRANSIENT_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504, 529})


def transient(exc: BaseException) -> bool:
    """A failure worth retrying: rate limits, server errors, timeouts, lost connections."""
    litellm = _litellm()
    if isinstance(exc, litellm.Timeout | litellm.APIConnectionError):
        return True
    return getattr(exc, "status_code", None) in TRANSIENT_STATUS


def retry_after(exc: BaseException) -> float | None:
    """The wait a server asked for (``Retry-After`` in seconds, or ``retry-after-ms``)."""
    response = getattr(exc, "response", None)
    headers = dict(getattr(response, "headers", None) or getattr(exc, "headers", None) or {})
    lowered = {str(k).lower(): str(v) for k, v in headers.items()}
    try:
        if "retry-after-ms" in lowered:
            return float(lowered["retry-after-ms"]) / 1000
        if "retry-after" in lowered:
            return float(lowered["retry-after"])
    except ValueError:
        return None  # an HTTP date: fall back to our own backoff
    return None


_PHRASES = {s.value: s.phrase for s in HTTPStatus}


def _happened(exc: BaseException) -> str:
    """What a failed call did, in words that follow "model call N": ``answered 503 Service
    Unavailable``, ``timed out``; with the provider's own words unless a status says it all
    (a rate limit, a server error)."""
    litellm = _litellm()
    status = getattr(exc, "status_code", None)
    if isinstance(exc, litellm.Timeout):
        return "timed out"
    if isinstance(exc, litellm.APIConnectionError):
        said = "could not connect"
    elif isinstance(status, int) and status in _PHRASES:
        said = f"answered {status} {_PHRASES[status]}"
        if transient(exc):
            return said
    else:
        said = "failed"
    text = str(exc)
    named = text if type(exc).__name__ in text else f"{type(exc).__name__}: {text}"
    return f"{said} ({' '.join(named.split())[:300]})"  # one line


class LiteLLMModel:
    """Any litellm model, with an explicit timeout and our own retries with backoff.

    Transient failures (429, 5xx, timeouts, lost connections) are retried up to ``num_retries``
    times, waiting ``backoff * 2**n`` seconds (at most ``max_wait``, with jitter) or what the
    server's ``Retry-After`` asks. Anything else fails at once.
    """

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        timeout: float = 120.0,
        num_retries: int = 4,
        backoff: float = 2.0,
        max_wait: float = 60.0,
        price: Price | None = None,
        completion: Callable[..., Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = model
        self._model = model  # what litellm is asked for
        self._api_base = api_base
        self._timeout = timeout
        self._retries = num_retries
        self._backoff = backoff
        self._max_wait = max_wait
        self._price = price
        self._completion = completion
        self._sleep = sleep
        self._jitter = random.Random(0)  # noqa: S311 - jitter, not a secret

    def _call_args(self) -> dict[str, Any]:
        args: dict[str, Any] = {"timeout": self._timeout, "num_retries": 0}
        if self._api_base:
            args["api_base"] = self._api_base
        return args

    def _wait(self, attempt: int, exc: BaseException) -> float:
        asked = retry_after(exc)
        if asked is not None:
            return min(max(asked, 0.0), self._max_wait)
        wait = min(self._backoff * 2.0**attempt, self._max_wait)
        return wait * (0.5 + self._jitter.random() / 2)

    def complete(self, messages: list[Message]) -> Completion:
        litellm = _litellm()
        completion = self._completion or litellm.completion
        start = time.perf_counter()
        retries = 0
        while True:
            try:
                response = completion(model=self._model, messages=messages, **self._call_args())
                break
            except ModelError:
                raise
            except Exception as exc:  # litellm's exception family, translated at the boundary
                if retries < self._retries and transient(exc):
                    self._sleep(self._wait(retries, exc))
                    retries += 1
                    continue
                happened = _happened(exc)
                raise ModelError(
                    f"model {self.name} {happened} after {retries + 1} attempt(s)",
                    happened=happened,
                    attempts=retries + 1,
                    transient=transient(exc),
                ) from exc
        latency = time.perf_counter() - start
        usage = getattr(response, "usage", None)
        input_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        output_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        cost, known = self._cost(litellm, response, input_tokens, output_tokens)
        provider = self._model.split("/", 1)[0] if "/" in self._model else "openai"
        return Completion(
            text=response.choices[0].message.content or "",
            model=self._model,
            provider=provider,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=cost,
            cost_known=known,
            latency_s=latency,
            retries=retries,
        )

    def _cost(
        self, litellm: Any, response: Any, tokens_in: int, tokens_out: int
    ) -> tuple[float, bool]:
        if self._price is not None:
            price = self._price
            return (
                tokens_in * price.input_per_mtok + tokens_out * price.output_per_mtok
            ) / 1e6, True
        try:
            return float(litellm.completion_cost(completion_response=response) or 0.0), True
        except Exception:  # a model litellm has no price for: counted as free, and said so
            return 0.0, False


class ScriptedModel(LiteLLMModel):
    """Answers from a JSONL file in order; running out is an error that says what to do.

    A line ``{"content": "..."}`` is a reply. A line ``{"error": 429}`` (or 500, 503,
    ``"timeout"``; optional ``"retry_after"`` seconds) is a transient failure, retried as a real
    one would be.
    """

    def __init__(self, path: Path, *, sleep: Callable[[float], None] = time.sleep) -> None:
        super().__init__("openai/ciopt-scripted", backoff=0.05, sleep=sleep)
        self.name = f"scripted:{path}"
        self.path = path
        self._script = _read_script(path)
        self._used = 0

    def _call_args(self) -> dict[str, Any]:
        if self._used >= len(self._script):
            replies = sum(1 for line in self._script if "content" in line)
            raise ModelError(
                f"the scripted model {self.path} has no response left after {replies} "
                "replies; add lines to it or lower candidates=",
                reason="model_exhausted",
            )
        line = self._script[self._used]
        self._used += 1
        if "error" in line:
            raise _scripted_failure(line["error"], line.get("retry_after"))
        return {**super()._call_args(), "mock_response": line["content"]}

    def complete(self, messages: list[Message]) -> Completion:
        done = super().complete(messages)
        return done.model_copy(update={"model": "ciopt-scripted", "provider": "scripted"})


def _scripted_failure(kind: object, wait: object) -> Exception:
    litellm = _litellm()
    headers = {"retry-after": str(wait)} if wait is not None else None
    args = {"message": f"scripted failure {kind}", "llm_provider": "openai", "model": "scripted"}
    if kind == "timeout":
        return litellm.Timeout(**args, headers=headers)  # type: ignore[no-any-return]
    status = int(str(kind))
    request = httpx.Request("POST", "https://scripted.invalid/v1/chat/completions")
    response = httpx.Response(status, headers=headers, request=request)
    if status == 429:
        return litellm.RateLimitError(**args, response=response)  # type: ignore[no-any-return]
    return litellm.APIError(status_code=status, **args, request=request)  # type: ignore[no-any-return]


def _read_script(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise ConfigError(f"scripted model file {path} does not exist; pass --model scripted:FILE")
    lines = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            if "content" in entry:
                lines.append({"content": str(entry["content"])})
            elif entry["error"] == "timeout" or int(entry["error"]) >= 400:
                lines.append(dict(entry))
            else:
                raise ValueError(entry)
        except (ValueError, KeyError, TypeError):
            raise ConfigError(
                f'{path}:{number} is neither {{"content": "..."}} nor {{"error": 429}}; '
                "fix that line"
            ) from None
    return lines


MODELS: dict[str, Callable[[str, dict[str, Any]], Model]] = {
    "scripted": lambda spec, _opts: ScriptedModel(Path(spec)),
    "litellm": lambda spec, opts: LiteLLMModel(spec, **opts),
}


def open_model(
    spec: str | None,
    *,
    api_base: str | None = None,
    timeout: float = 120.0,
    retries: int = 4,
    price: Price | None = None,
) -> Model:
    """The model for ``spec``: ``scripted:PATH`` or any litellm model string."""
    if not spec:
        raise ConfigError(
            "no model configured; pass --model (e.g. openai/gpt-4o-mini, or "
            "scripted:FILE.jsonl) or set CIOPT_MODEL"
        )
    kind, sep, rest = spec.partition(":")
    if sep and kind in MODELS and kind != "litellm":
        return MODELS[kind](rest, {})
    options = {"api_base": api_base, "timeout": timeout, "num_retries": retries, "price": price}
    return MODELS["litellm"](spec, options)


def open_models(settings: Settings) -> dict[str, Model]:
    """The run's models by role: ``default`` is ``settings.model``; policies may name others."""
    specs = {"default": settings.model, **settings.model_roles}
    return {
        role: open_model(
            spec,
            api_base=settings.api_base,
            timeout=settings.llm_timeout,
            retries=settings.llm_retries,
            price=settings.model_prices.get(spec or ""),
        )
        for role, spec in specs.items()
    }


def missing_credentials(settings: Settings) -> list[str]:
    """The environment variables litellm says the configured models need and do not have
    (none for scripted models or a model behind ``api_base``)."""
    needed: list[str] = []
    for model in {settings.model, *settings.model_roles.values()}:
        if not model or model.startswith("scripted:") or settings.api_base:
            continue
        found = _litellm().validate_environment(model=model)
        needed += [k for k in found.get("missing_keys", []) if k not in needed]
    return needed
