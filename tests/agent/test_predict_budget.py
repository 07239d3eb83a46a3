"""``Predictor``: every model call is bounded by what the budget has left, before it is made."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ciopt.agent import EXPLAIN, LiteLLMModel, Predictor
from ciopt.agent.models import _litellm
from ciopt.agent.signatures.explain import ExplainInput
from ciopt.agent.signatures.propose import TargetRef
from ciopt.budget import Ledger
from ciopt.config import Limits
from ciopt.errors import BudgetExhausted
from ciopt.trace import Tracer

TOLD = json.dumps({"title": "Return the list as is", "summary": "Sorting was not needed."})
EXPLAINED = ExplainInput(
    targets=[TargetRef(path="src/m.py", qualname="f")],
    diff="-x\n+y\n",
    measurement="2x faster",
    correctness="all equal",
)


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


Make = Callable[..., tuple[Predictor, list[dict[str, Any]], Path]]


@pytest.fixture
def predictor(tmp_path: Path) -> Iterator[Make]:
    """A predictor whose model records what each attempt sent; its ledger on a fake clock."""
    tracers: list[Tracer] = []

    def make(
        limits: Limits, *, cap: int | None = 2048, clock: Clock | None = None
    ) -> tuple[Predictor, list[dict[str, Any]], Path]:
        seen: list[dict[str, Any]] = []

        def completion(**kwargs: Any) -> Any:
            seen.append(kwargs)
            return _litellm().completion(**kwargs, mock_response=TOLD)

        trace = tmp_path / "trace.jsonl"
        tracer = Tracer(trace)
        tracers.append(tracer)
        model = LiteLLMModel("openai/gpt-4o-mini", completion=completion, max_tokens=cap)
        ledger = Ledger(limits, clock=clock or Clock())
        return Predictor({"default": model}, tracer=tracer, ledger=ledger), seen, trace

    yield make
    for tracer in tracers:
        tracer.close()


@pytest.mark.parametrize(("cap", "sent"), [(1000, 200), (50, 50)])
def test_a_call_asks_for_at_most_the_output_tokens_left(
    predictor: Make, cap: int, sent: int
) -> None:
    predict, seen, trace = predictor(Limits(output_tokens=300), cap=cap)
    predict.ledger.charge(output_tokens=100)
    predict(EXPLAIN, EXPLAINED)
    assert [s["max_tokens"] for s in seen] == [sent]  # min(llm_max_tokens, what is left)
    predict.tracer.close()
    ends = [json.loads(line) for line in trace.read_text().splitlines()]
    (call,) = [e for e in ends if e.get("name") == "llm.call" and e["type"] == "span_end"]
    assert call["attrs"]["max_tokens"] == sent and call["attrs"]["truncated"] is False


@pytest.mark.parametrize("spent", [300, 301])
def test_no_call_is_made_without_output_tokens_left(predictor: Make, spent: int) -> None:
    predict, seen, _ = predictor(Limits(output_tokens=300))
    predict.ledger.charge(output_tokens=spent)
    with pytest.raises(BudgetExhausted) as info:
        predict(EXPLAIN, EXPLAINED)
    assert (info.value.limit, info.value.spent, info.value.allowed) == ("output_tokens", spent, 300)
    assert seen == [] and predict.ledger.spent["llm_calls"] == 0
    assert predict.receipts[0].outcome == "budget_exhausted"


def test_a_limit_of_no_output_tokens_makes_no_call(predictor: Make) -> None:
    predict, seen, _ = predictor(Limits(output_tokens=0))
    with pytest.raises(BudgetExhausted, match="output_tokens"):
        predict(EXPLAIN, EXPLAINED)
    assert seen == []


def test_the_call_times_out_within_the_wall_time_left(predictor: Make) -> None:
    clock = Clock()
    predict, seen, _ = predictor(Limits(wall_seconds=100), clock=clock)
    clock.now += 70  # 30 s of the run's wall time left; llm_timeout is 120
    predict(EXPLAIN, EXPLAINED)
    assert seen[0]["timeout"] == pytest.approx(30.0)
