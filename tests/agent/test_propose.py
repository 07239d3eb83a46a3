from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ciopt.agent import Attempt, EditError, ProposeInput, SourceFile, TargetRef, open_model
from ciopt.agent.propose import decode, propose
from ciopt.budget import Ledger
from ciopt.config import Limits
from ciopt.errors import BudgetExhausted
from ciopt.trace import Tracer

REPLY = """The loop rescans the list.

src/m.py
<<<<<<< SEARCH
    return sorted(xs)
=======
    return xs
>>>>>>> REPLACE
"""

INPUT = ProposeInput(
    targets=[TargetRef(path="src/m.py", qualname="f")],
    files=[SourceFile(path="src/m.py", text="def f(xs):\n    return sorted(xs)\n")],
    benchmark="def test_f(benchmark): benchmark(f, [1])",
    attempts=[Attempt(id=1, outcome="rejected (tests_failed)", message="2 tests broke")],
)


def _events(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_propose_renders_context_calls_once_and_records_it(
    tmp_path: Path, script: Callable[[list[str]], Path]
) -> None:
    tracer = Tracer(tmp_path / "t.jsonl")
    ledger = Ledger(Limits())
    model = open_model(f"scripted:{script([REPLY])}")
    text, proposal = propose(model, INPUT, tracer=tracer, ledger=ledger, capture="full")
    assert text == REPLY
    assert proposal.rationale == "The loop rescans the list."
    assert proposal.edits[0].path == "src/m.py"
    assert ledger.spent["llm_calls"] == 1
    call = next(e for e in _events(tmp_path / "t.jsonl") if e.get("type") == "span_end")
    attrs = call["attrs"]
    assert isinstance(attrs, dict)
    prompt = attrs["messages"][1]["content"]
    assert "def f(xs):" in prompt  # the source
    assert "benchmark(f, [1])" in prompt  # the benchmark
    assert "Attempt 1: rejected (tests_failed). 2 tests broke" in prompt  # the feedback
    assert attrs["response"] == REPLY
    assert len(str(attrs.get("response_sha256"))) == 64


def test_hashed_capture_keeps_no_content(
    tmp_path: Path, script: Callable[[list[str]], Path]
) -> None:
    tracer = Tracer(tmp_path / "t.jsonl")
    model = open_model(f"scripted:{script([REPLY])}")
    propose(model, INPUT, tracer=tracer, ledger=Ledger(Limits()), capture="hashed")
    raw = (tmp_path / "t.jsonl").read_text()
    assert "def f(xs)" not in raw and "rescans" not in raw
    assert "prompt_sha256" in raw


def test_no_call_is_made_past_the_llm_call_limit(
    tmp_path: Path, script: Callable[[list[str]], Path]
) -> None:
    ledger = Ledger(Limits(llm_calls=1))
    model = open_model(f"scripted:{script([REPLY, REPLY])}")
    tracer = Tracer(tmp_path / "t.jsonl")
    propose(model, INPUT, tracer=tracer, ledger=ledger, capture="none")
    with pytest.raises(BudgetExhausted) as info:
        propose(model, INPUT, tracer=tracer, ledger=ledger, capture="none")
    assert info.value.limit == "llm_calls"
    assert ledger.spent["llm_calls"] == 1


def test_decode_without_edits_is_an_edit_error() -> None:
    with pytest.raises(EditError, match="no edit"):
        decode("I would use a set here.")
