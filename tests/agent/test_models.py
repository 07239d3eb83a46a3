from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from ciopt.agent import LiteLLMModel, ScriptedModel, open_model
from ciopt.agent.models import _litellm
from ciopt.config import Price
from ciopt.errors import ConfigError, ModelError

HELLO = [{"role": "user", "content": "hello"}]


def test_scripted_model_answers_in_order_through_litellm(
    script: Callable[[list[str]], Path],
) -> None:
    model = open_model(f"scripted:{script(['first', 'second'])}")
    assert isinstance(model, ScriptedModel)
    one = model.complete(HELLO)
    two = model.complete(HELLO)
    assert (one.text, two.text) == ("first", "second")
    # litellm's mock path filled in usage, as it would for a real provider.
    assert one.input_tokens > 0 and one.output_tokens > 0
    assert one.provider == "scripted"


def test_scripted_model_running_out_says_what_to_do(script: Callable[[list[str]], Path]) -> None:
    model = open_model(f"scripted:{script(['only'])}")
    model.complete(HELLO)
    with pytest.raises(ModelError, match="no response left after 1 replies") as info:
        model.complete(HELLO)
    assert info.value.reason == "model_exhausted"


def test_scripted_file_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"content": "ok"}\n\nnot json\n')
    with pytest.raises(ConfigError, match=r"bad\.jsonl:3 is neither"):
        open_model(f"scripted:{bad}")
    with pytest.raises(ConfigError, match="does not exist"):
        open_model(f"scripted:{tmp_path / 'missing.jsonl'}")


def test_no_model_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="--model"):
        open_model(None)


def test_litellm_model_passes_timeout_retries_and_api_base() -> None:
    seen: dict[str, Any] = {}

    def completion(**kwargs: Any) -> Any:
        seen.update(kwargs)
        return _litellm().completion(**kwargs, mock_response="fine")

    model = open_model("openai/gpt-4o-mini", api_base="http://127.0.0.1:9/v1", timeout=7)
    assert isinstance(model, LiteLLMModel)
    model._completion = completion
    done = model.complete(HELLO)
    assert done.text == "fine"
    assert seen["timeout"] == 7
    assert seen["num_retries"] == 0  # ciopt retries itself, so each retry is counted
    assert seen["api_base"] == "http://127.0.0.1:9/v1"
    assert done.cost_usd > 0  # priced from litellm's local cost map


def test_provider_errors_become_model_errors() -> None:
    def completion(**kwargs: Any) -> Any:
        raise TimeoutError("upstream took too long")

    model = LiteLLMModel("openai/gpt-4o-mini", completion=completion)
    with pytest.raises(ModelError, match="upstream took too long"):
        model.complete(HELLO)


def _failing(*failures: Exception) -> tuple[Callable[..., Any], list[int]]:
    """A completion function that raises ``failures`` in turn, then answers."""
    calls = [0]

    def completion(**kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] <= len(failures):
            raise failures[calls[0] - 1]
        return _litellm().completion(**kwargs, mock_response="at last")

    return completion, calls


def _status(code: int, **headers: str) -> Exception:
    litellm = _litellm()
    request = httpx.Request("POST", "https://api.openai.com/v1/chat/completions")
    response = httpx.Response(code, headers=headers, request=request)
    args = {"message": f"status {code}", "llm_provider": "openai", "model": "gpt-4o-mini"}
    if code == 429:
        return litellm.RateLimitError(**args, response=response)  # type: ignore[no-any-return]
    if code == 503:
        return litellm.ServiceUnavailableError(**args, response=response)  # type: ignore[no-any-return]
    return litellm.BadRequestError(**args, response=response)  # type: ignore[no-any-return]


def test_transient_failures_are_retried_with_backoff_and_retry_after() -> None:
    litellm = _litellm()
    timeout = litellm.Timeout(message="slow", model="gpt-4o-mini", llm_provider="openai")
    completion, calls = _failing(_status(429, **{"retry-after": "7"}), _status(503), timeout)
    waits: list[float] = []
    model = LiteLLMModel(
        "openai/gpt-4o-mini", completion=completion, sleep=waits.append, backoff=2.0
    )
    done = model.complete(HELLO)
    assert done.text == "at last" and done.retries == 3 and calls[0] == 4
    assert waits[0] == 7.0  # what the server asked for
    assert 2.0 <= waits[1] <= 4.0 and 4.0 <= waits[2] <= 8.0  # exponential, with jitter


def test_retries_are_bounded_and_permanent_errors_are_not_retried() -> None:
    completion, calls = _failing(*[_status(429)] * 5)
    model = LiteLLMModel(
        "openai/gpt-4o-mini", completion=completion, sleep=lambda _s: None, num_retries=2
    )
    with pytest.raises(ModelError, match="after 3 attempt"):
        model.complete(HELLO)
    assert calls[0] == 3
    completion, calls = _failing(_status(400))
    model = LiteLLMModel("openai/gpt-4o-mini", completion=completion, sleep=lambda _s: None)
    with pytest.raises(ModelError, match="after 1 attempt"):
        model.complete(HELLO)
    assert calls[0] == 1


def test_scripted_failures_are_retried_like_real_ones(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    lines = [{"error": 429, "retry_after": 0}, {"error": "timeout"}, {"content": "ok"}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    waits: list[float] = []
    model = ScriptedModel(path, sleep=waits.append)
    done = model.complete(HELLO)
    assert (done.text, done.retries) == ("ok", 2)
    assert waits[0] == 0.0 and waits[1] > 0


def test_custom_prices_override_the_cost_map() -> None:
    completion, _ = _failing()
    price = Price(input_per_mtok=1_000_000.0, output_per_mtok=0.0)
    model = LiteLLMModel("openai/my-own-llama", completion=completion, price=price)
    done = model.complete(HELLO)
    assert done.cost_known and done.cost_usd == done.input_tokens  # $1 per token in
    unknown = LiteLLMModel("openai/my-own-llama", completion=_failing()[0]).complete(HELLO)
    assert unknown.cost_usd == 0.0 and not unknown.cost_known


@pytest.mark.parametrize(
    ("code", "happened", "attempts"),
    [
        (503, "answered 503 Service Unavailable", 3),  # retried: the status says it all
        (400, "answered 400 Bad Request (litellm.BadRequestError: status 400)", 1),
        (None, "timed out", 3),
    ],
)
def test_a_failure_says_what_the_endpoint_did(
    code: int | None, happened: str, attempts: int
) -> None:
    litellm = _litellm()
    timeout = litellm.Timeout(message="slow", model="gpt-4o-mini", llm_provider="openai")
    completion, _ = _failing(*[_status(code) if code else timeout] * 3)
    model = LiteLLMModel(
        "openai/gpt-4o-mini", completion=completion, sleep=lambda _s: None, num_retries=2
    )
    with pytest.raises(ModelError) as info:
        model.complete(HELLO)
    assert (info.value.happened, info.value.attempts) == (happened, attempts)
    assert str(info.value) == f"model openai/gpt-4o-mini {happened} after {attempts} attempt(s)"
