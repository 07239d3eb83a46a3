"""Models: one adapter over litellm, and a scripted model that answers through the same path.

A model spec is a litellm model string (``openai/gpt-4o-mini``, ``anthropic/...``,
``ollama_chat/...``, ``openai/<name>`` with ``api_base`` for vLLM or llama.cpp), or
``scripted:PATH.jsonl``: one ``{"content": "..."}`` a line, answered in order through litellm's
own ``mock_response`` path, so decoding, cost accounting and the trace are exercised as for a
real model. A line with ``"when": "text"`` answers only a prompt holding that text: one script
serves the units of a fanned-out run, each with its own target.

Every call is bounded by the budget: ``complete(messages, max_tokens=, seconds_left=)`` sends
``max_tokens`` (the smaller of the model's per-call cap and what the caller allows) and gives
each attempt a timeout no longer than the wall time left (``LiteLLMModel`` says how retries fit).
litellm's own banners and log lines are kept out of ciopt's output.
"""

from __future__ import annotations

import functools
import json
import logging
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
    max_tokens: int | None = None  # the cap the call was sent with (None: none)
    truncated: bool = False  # the reply stopped at ``max_tokens`` (finish reason ``length``)
    cost_usd: float = 0.0
    cost_known: bool = True  # False: the model has no price in litellm's map or the config
    latency_s: float = 0.0
    retries: int = 0  # transient failures retried before this answer


class Model(Protocol):
    """A model that answers a list of messages.

    ``max_tokens``: the most output tokens the reply may have (what the budget has left); a
    model with a per-call cap of its own sends the smaller. ``seconds_left``: the wall time the
    whole call may take, retries and their waits included, counted from when ``complete`` is
    called (a duration, not a clock reading: every model keeps its own clock). ``None``: no bound
    from the caller.
    """

    name: str

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        seconds_left: float | None = None,
    ) -> Completion: ...


LITELLM_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy")


@functools.cache
def _litellm() -> Any:
    """litellm, imported on first use (it takes seconds) and kept quiet: no "Give Feedback /
    Get Help" banner on stdout when a call fails, no log lines of its own on stderr (unless
    ``LITELLM_LOG`` asks for them, to debug litellm itself). ciopt says what happened."""
    # litellm otherwise fetches its price list from the internet when imported.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm  # noqa: PLC0415 - imported on first use: it takes seconds to import

    litellm.suppress_debug_info = True
    if not os.environ.get("LITELLM_LOG"):
        for name in LITELLM_LOGGERS:
            logging.getLogger(name).setLevel(logging.CRITICAL)
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
    """Any litellm model, with an explicit timeout, an output cap and our own retries.

    Each call sends ``max_tokens``: the smaller of ``max_tokens`` given here (the per-call cap,
    ``llm_max_tokens``) and the one ``complete`` is given (what the budget has left). Each attempt
    times out after ``timeout`` seconds, or the wall time ``complete`` was given still left, if
    that is less; litellm and the provider's SDK do not retry on their own.

    Transient failures (429, 5xx, timeouts, lost connections) are retried up to ``num_retries``
    times, waiting ``backoff * 2**n`` seconds (at most ``max_wait``, with jitter) or what the
    server's ``Retry-After`` asks. Anything else fails at once. With ``seconds_left`` given, a
    retry is made only when the time left holds its wait and then at least ``min_attempt``
    seconds (or ``timeout``, if shorter) for the new attempt; otherwise the call fails at once,
    and its ``ModelError`` says so.

    A timed-out attempt is abandoned by the client, but the server may still be working on it
    (a one-slot llama.cpp server then answers a re-sent request only after it). So it counts as
    still running for another full ``timeout`` after it was given up, and the call is re-sent
    only when the time left holds that too: the new attempt must get ``min_attempt`` seconds
    after both the wait and every abandoned attempt's extra ``timeout``. Without ``seconds_left``
    nothing bounds the retries but their number.
    """

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        timeout: float = 120.0,
        max_tokens: int | None = 2048,
        num_retries: int = 4,
        backoff: float = 2.0,
        max_wait: float = 60.0,
        min_attempt: float = 10.0,
        price: Price | None = None,
        completion: Callable[..., Any] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = model
        self._model = model  # what litellm is asked for
        self._api_base = api_base
        self._timeout = timeout
        self._max_tokens = max_tokens
        self._retries = num_retries
        self._backoff = backoff
        self._max_wait = max_wait
        self._min_attempt = min_attempt
        self._price = price
        self._completion = completion
        self._sleep = sleep
        self._clock = clock
        self._jitter = random.Random(0)  # noqa: S311 - jitter, not a secret

    def _call_args(self) -> dict[str, Any]:
        """What every attempt sends besides its messages, timeout and ``max_tokens``."""
        # num_retries for litellm, max_retries for the provider's SDK (the OpenAI SDK re-sends
        # a timed-out request twice by default): ciopt retries, and counts, every attempt
        args: dict[str, Any] = {"num_retries": 0, "max_retries": 0}
        if self._api_base:
            args["api_base"] = self._api_base
        return args

    def _wait(self, attempt: int, exc: BaseException) -> float:
        asked = retry_after(exc)
        if asked is not None:
            return min(max(asked, 0.0), self._max_wait)
        wait = min(self._backoff * 2.0**attempt, self._max_wait)
        return wait * (0.5 + self._jitter.random() / 2)

    def _no_room(self, wait: float, deadline: float | None, busy_until: float) -> str | None:
        """Why a retry after ``wait`` does not fit before ``deadline`` (None: it does), when
        the server may be busy with an abandoned attempt until ``busy_until``."""
        if deadline is None:
            return None
        now = self._clock()
        least = min(self._min_attempt, self._timeout)  # an attempt never needs more than this
        if deadline - max(now + wait, busy_until) >= least:
            return None
        parts = [f"a {wait:.3g} s wait"]
        if busy_until > now + wait:
            parts.append(
                f"the {busy_until - now:.0f} s the server may still spend on the timed-out attempt"
            )
        return (
            f"no retry: the {max(deadline - now, 0.0):.0f} s of wall time left cannot hold "
            f"{', '.join(parts)} and another attempt of at least {least:g} s"
        )

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        seconds_left: float | None = None,
    ) -> Completion:
        litellm = _litellm()
        completion = self._completion or litellm.completion
        start = self._clock()
        deadline = None if seconds_left is None else start + seconds_left
        cap = _smaller(self._max_tokens, max_tokens)
        busy_until = start  # until when the server may still work on an abandoned attempt
        retries = 0
        while True:
            timeout = self._timeout
            if deadline is not None:
                timeout = min(timeout, deadline - self._clock())
            if timeout <= 0:  # only a caller that gave no time at all gets here
                raise ModelError(f"model {self.name} was not called: no wall time was left")
            try:
                args = {**self._call_args(), "timeout": timeout}
                if cap is not None:
                    args["max_tokens"] = cap
                response = completion(model=self._model, messages=messages, **args)
                break
            except ModelError:
                raise
            except Exception as exc:  # litellm's exception family, translated at the boundary
                if isinstance(exc, litellm.Timeout):  # given up here, maybe running there
                    busy_until = max(busy_until, self._clock() + timeout)
                refused = None
                if retries < self._retries and transient(exc):
                    wait = self._wait(retries, exc)
                    refused = self._no_room(wait, deadline, busy_until)
                    if refused is None:
                        self._sleep(wait)
                        retries += 1
                        continue
                happened = _happened(exc) + (f" ({refused})" if refused else "")
                raise ModelError(
                    f"model {self.name} {happened} after {retries + 1} attempt(s)",
                    happened=happened,
                    attempts=retries + 1,
                    # a retry could succeed, but not within this run's wall time
                    transient=transient(exc) and refused is None,
                ) from exc
        latency = self._clock() - start
        usage = getattr(response, "usage", None)
        input_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        output_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        cost, known = self._cost(litellm, response, input_tokens, output_tokens)
        provider = self._model.split("/", 1)[0] if "/" in self._model else "openai"
        choice = response.choices[0]
        return Completion(
            text=choice.message.content or "",
            model=self._model,
            provider=provider,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            max_tokens=cap,
            truncated=getattr(choice, "finish_reason", None) == "length",
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
    one would be. A line with ``"when": "text"`` is used only for a prompt that holds ``text``
    (the next unused line that fits answers; lines without ``when`` fit every prompt).
    """

    def __init__(
        self,
        path: Path,
        *,
        timeout: float = 120.0,
        max_tokens: int | None = 2048,
        num_retries: int = 4,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(
            "openai/ciopt-scripted",
            timeout=timeout,
            max_tokens=max_tokens,
            num_retries=num_retries,
            backoff=0.05,
            sleep=sleep,
            clock=clock,
        )
        self.name = f"scripted:{path}"
        self.path = path
        self._script = _read_script(path)
        self._left = list(range(len(self._script)))  # the lines not used yet, in order
        self._prompt = ""

    def _call_args(self) -> dict[str, Any]:
        fits = [i for i in self._left if self._script[i].get("when", "") in self._prompt]
        if not fits:
            replies = sum(1 for line in self._script if "content" in line)
            fitting = (
                " that fits this prompt" if any("when" in line for line in self._script) else ""
            )
            raise ModelError(
                f"the scripted model {self.path} has no response left after {replies} replies"
                f"{fitting}; add lines to it or lower candidates=",
                reason="model_exhausted",
            )
        self._left.remove(fits[0])
        line = self._script[fits[0]]
        reply = line["content"] if "content" in line else _scripted_failure(line)
        return {**super()._call_args(), "mock_response": reply}

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        seconds_left: float | None = None,
    ) -> Completion:
        self._prompt = "\n".join(str(m.get("content", "")) for m in messages)
        done = super().complete(messages, max_tokens=max_tokens, seconds_left=seconds_left)
        return done.model_copy(update={"model": "ciopt-scripted", "provider": "scripted"})


def _smaller(cap: int | None, asked: int | None) -> int | None:
    """The tighter of two output-token bounds (None: no bound)."""
    bounds = [b for b in (cap, asked) if b is not None]
    return min(bounds) if bounds else None


def _scripted_failure(line: dict[str, Any]) -> Exception:
    """What the provider's SDK raises for a scripted ``{"error": ...}``: litellm maps it as it
    would a real one (and would print its banner, were it not kept quiet)."""
    _litellm()  # which imports openai, the SDK of every OpenAI-compatible endpoint
    import openai  # noqa: PLC0415

    wait = line.get("retry_after")
    request = httpx.Request("POST", "https://scripted.invalid/v1/chat/completions")
    if line["error"] == "timeout":
        return openai.APITimeoutError(request=request)
    headers = {"retry-after": str(wait)} if wait is not None else None
    response = httpx.Response(int(line["error"]), headers=headers, request=request)
    return openai.APIStatusError(f"scripted failure {line['error']}", response=response, body=None)


def _read_script(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        raise ConfigError(f"scripted model file {path} does not exist; pass --model scripted:FILE")
    lines = []
    for number, line in enumerate(path.read_text().splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            when = {"when": str(entry["when"])} if "when" in entry else {}
            if "content" in entry:
                lines.append({"content": str(entry["content"]), **when})
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
    "scripted": lambda spec, opts: ScriptedModel(
        Path(spec),
        **{k: opts[k] for k in ("timeout", "max_tokens", "num_retries") if k in opts},
    ),
    "litellm": lambda spec, opts: LiteLLMModel(spec, **opts),
}


def open_model(
    spec: str | None,
    *,
    api_base: str | None = None,
    timeout: float = 120.0,
    retries: int = 4,
    max_tokens: int | None = 2048,
    price: Price | None = None,
) -> Model:
    """The model for ``spec``: ``scripted:PATH`` or any litellm model string.

    ``timeout``: seconds per attempt; ``retries``: transient failures retried; ``max_tokens``:
    the most output tokens one call may ask for (``llm_max_tokens``)."""
    if not spec:
        raise ConfigError(
            "no model configured; pass --model (e.g. openai/gpt-4o-mini, or "
            "scripted:FILE.jsonl) or set CIOPT_MODEL"
        )
    options = {"timeout": timeout, "num_retries": retries, "max_tokens": max_tokens}
    kind, sep, rest = spec.partition(":")
    if sep and kind in MODELS and kind != "litellm":
        return MODELS[kind](rest, options)
    return MODELS["litellm"](spec, {**options, "api_base": api_base, "price": price})


def open_models(settings: Settings) -> dict[str, Model]:
    """The run's models by role: ``default`` is ``settings.model``; policies may name others."""
    specs = {"default": settings.model, **settings.model_roles}
    return {
        role: open_model(
            spec,
            api_base=settings.api_base,
            timeout=settings.llm_timeout,
            retries=settings.llm_retries,
            max_tokens=settings.llm_max_tokens,
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
