from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ciopt.agent import LiteLLMModel, ScriptedModel, open_model
from ciopt.agent.models import _litellm
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
    with pytest.raises(ModelError, match="no response left after 1 calls") as info:
        model.complete(HELLO)
    assert info.value.reason == "model_exhausted"


def test_scripted_file_errors_name_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"content": "ok"}\n\nnot json\n')
    with pytest.raises(ConfigError, match=r"bad\.jsonl:3 is not a JSON object"):
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
    assert seen["num_retries"] == 3
    assert seen["api_base"] == "http://127.0.0.1:9/v1"
    assert done.cost_usd > 0  # priced from litellm's local cost map


def test_provider_errors_become_model_errors() -> None:
    def completion(**kwargs: Any) -> Any:
        raise TimeoutError("upstream took too long")

    model = LiteLLMModel("openai/gpt-4o-mini", completion=completion)
    with pytest.raises(ModelError, match="upstream took too long"):
        model.complete(HELLO)
