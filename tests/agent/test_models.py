from __future__ import annotations

import json
import re
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
    with pytest.raises(ModelError, match="no response left after 1 replies;") as info:
        model.complete(HELLO)
    assert info.value.reason == "model_exhausted"


def test_a_scripted_line_with_when_answers_only_prompts_holding_its_text(
    tmp_path: Path,
) -> None:
    """One script for a fanned-out run's units: each unit's prompts name its own target."""
    path = tmp_path / "units.jsonl"
    lines = [
        {"when": "`dedupe`", "content": "for dedupe"},
        {"when": "`normalize`", "content": "for normalize"},
        {"content": "for anything"},
        {"when": "`dedupe`", "content": "dedupe again"},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    model = ScriptedModel(path)

    def ask(text: str) -> str:
        return model.complete([{"role": "user", "content": text}]).text

    assert ask("speed up `normalize` in stats.py") == "for normalize"
    assert ask("speed up `normalize` in stats.py") == "for anything"
    assert ask("speed up `dedupe`") == "for dedupe"
    assert ask("speed up `dedupe`") == "dedupe again"
    with pytest.raises(ModelError, match="no response left after 4 replies that fits this prompt"):
        ask("speed up `normalize` in stats.py")


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


class Clock:
    """A fake monotonic clock; ``sleep`` and slow calls move it, nothing waits for real."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def _recording(
    clock: Clock, *outcomes: Exception | None, takes: float = 0.0
) -> tuple[Callable[..., Any], list[dict[str, Any]]]:
    """A completion function that records each attempt's arguments; an attempt takes
    ``takes`` seconds (a timeout: all of its own ``timeout``) and fails with ``outcomes`` in
    turn (None: it answers)."""
    seen: list[dict[str, Any]] = []

    def completion(**kwargs: Any) -> Any:
        seen.append(kwargs)
        failure = outcomes[len(seen) - 1] if len(seen) <= len(outcomes) else None
        if isinstance(failure, _litellm().Timeout):
            clock.now += kwargs["timeout"]
            raise failure
        clock.now += takes
        if failure is not None:
            raise failure
        return _litellm().completion(**kwargs, mock_response="fine")

    return completion, seen


def _timeout() -> Exception:
    return _litellm().Timeout(message="slow", model="gpt-4o-mini", llm_provider="openai")  # type: ignore[no-any-return]


def test_max_tokens_sent_is_the_smaller_of_the_cap_and_what_the_caller_allows() -> None:
    clock = Clock()
    completion, seen = _recording(clock)
    model = LiteLLMModel("openai/gpt-4o-mini", completion=completion, max_tokens=512, clock=clock)
    assert model.complete(HELLO, max_tokens=40).max_tokens == 40  # the budget has 40 left
    assert model.complete(HELLO, max_tokens=9000).max_tokens == 512  # the per-call cap
    assert model.complete(HELLO).max_tokens == 512
    assert [s["max_tokens"] for s in seen] == [40, 512, 512]
    assert all(s["num_retries"] == 0 and s["max_retries"] == 0 for s in seen)  # no SDK retries
    uncapped = LiteLLMModel("openai/gpt-4o-mini", completion=completion, max_tokens=None)
    uncapped.complete(HELLO)
    assert "max_tokens" not in seen[-1]


def test_open_model_passes_the_per_call_cap_to_scripted_and_litellm_models(
    script: Callable[[list[str]], Path],
) -> None:
    scripted = open_model(f"scripted:{script(['ok'])}", max_tokens=64, timeout=9)
    assert scripted.complete(HELLO, max_tokens=100).max_tokens == 64
    real = open_model("openai/gpt-4o-mini", max_tokens=32)
    assert isinstance(real, LiteLLMModel) and real._max_tokens == 32


def test_each_attempt_times_out_within_the_wall_time_left() -> None:
    clock = Clock()
    completion, seen = _recording(clock, _status(503), takes=20.0)
    model = LiteLLMModel(
        "openai/gpt-4o-mini", completion=completion, timeout=120, sleep=clock.sleep, clock=clock
    )
    done = model.complete(HELLO, seconds_left=90)  # the deadline: 1090 on the clock
    assert done.retries == 1
    assert seen[0]["timeout"] == 90  # not llm_timeout's 120: the wall time left
    second_started = clock.now - 20.0  # after the first attempt's 20 s and the backoff wait
    assert seen[1]["timeout"] == pytest.approx(1090.0 - second_started)
    assert seen[1]["timeout"] < 70
    model.complete(HELLO, seconds_left=500)
    assert seen[-1]["timeout"] == 120  # llm_timeout, when the wall time left is longer


def test_a_retry_the_wall_time_left_cannot_hold_is_not_made() -> None:
    clock = Clock()
    completion, seen = _recording(clock, _status(503), takes=5.0)
    model = LiteLLMModel(
        "openai/gpt-4o-mini",
        completion=completion,
        backoff=2.0,
        min_attempt=10.0,
        sleep=clock.sleep,
        clock=clock,
    )
    with pytest.raises(ModelError) as info:
        model.complete(HELLO, seconds_left=15)  # 10 s left after the attempt: no wait fits
    assert len(seen) == 1 and clock.now == 1005.0  # no retry, and no wait either
    assert re.fullmatch(
        r"answered 503 Service Unavailable \(no retry: the 10 s of wall time left cannot hold "
        r"a [\d.]+ s wait and another attempt of at least 10 s\)",
        info.value.happened or "",
    )
    assert str(info.value).endswith("after 1 attempt(s)")
    assert not info.value.transient  # raising llm_retries would not help
    completion, seen = _recording(clock, _status(503), takes=5.0)
    model._completion = completion
    assert model.complete(HELLO, seconds_left=30).retries == 1  # with the time, it is retried


@pytest.mark.parametrize(("seconds_left", "attempts"), [(125.0, 1), (200.0, 2)])
def test_a_timed_out_call_is_re_sent_only_when_it_and_a_new_attempt_both_fit(
    seconds_left: float, attempts: int
) -> None:
    """The first attempt times out after its 60 s, and the server may go on with it for
    another 60 s: a new attempt must get its 10 s after that (120 s from the start). 125 s
    cannot hold that, 200 s can; a 503 (nothing left running) would be retried with 125 s."""
    clock = Clock()
    completion, seen = _recording(clock, _timeout())
    model = LiteLLMModel(
        "openai/gpt-4o-mini",
        completion=completion,
        timeout=60,
        backoff=2.0,
        min_attempt=10.0,
        sleep=clock.sleep,
        clock=clock,
    )
    if attempts == 1:
        with pytest.raises(ModelError) as info:
            model.complete(HELLO, seconds_left=seconds_left)
        assert re.fullmatch(
            r"timed out \(no retry: the 65 s of wall time left cannot hold a [\d.]+ s wait, "
            r"the 60 s the server may still spend on the timed-out attempt and another "
            r"attempt of at least 10 s\)",
            info.value.happened or "",
        )
    else:
        assert model.complete(HELLO, seconds_left=seconds_left).retries == 1
    assert len(seen) == attempts
    assert seen[0]["timeout"] == 60
    completion, seen = _recording(clock, _status(503), takes=60.0)
    model._completion = completion
    assert model.complete(HELLO, seconds_left=125.0).retries == 1  # nothing left running


def test_no_banner_of_litellm_reaches_the_output(
    tmp_path: Path, capfd: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A scripted 503 goes through litellm's own error mapping, which prints "Give Feedback /
    Get Help" unless told not to: ciopt tells it not to."""
    path = tmp_path / "s.jsonl"
    lines = [{"error": 503, "retry_after": 0}, {"error": "timeout"}, {"content": "ok"}]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    done = ScriptedModel(path, sleep=lambda _s: None).complete(HELLO, seconds_left=1000)
    assert (done.text, done.retries) == ("ok", 2)
    out, err = capfd.readouterr()
    for said in ("Give Feedback", "LiteLLM", "Provider List"):
        assert said not in out and said not in err
    # the control: the same path, with litellm's default, prints its banner
    monkeypatch.setattr(_litellm(), "suppress_debug_info", False)
    ScriptedModel(path, sleep=lambda _s: None).complete(HELLO)
    assert "Give Feedback" in capfd.readouterr().out
