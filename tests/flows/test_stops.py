"""``stops``: a limit the run went past is never silent: ``stopped_by``, a line, the report."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciopt.budget import Ledger
from ciopt.config import Limits
from ciopt.errors import ModelError
from ciopt.flows import Session, run_verdict
from ciopt.flows.stops import overrun_stop, with_overruns
from ciopt.report import render_report, render_text
from ciopt.verdict import CandidateRecord, Verdict

LOSER = CandidateRecord(id=1, outcome="rejected", reason="tests_failed", message="1 broke")
WALL = "908.0 s of wall time spent, past the wall_seconds limit of 720.0 s"
TOKENS = "7,640 output tokens spent, past the output_tokens limit of 5,000"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def _over(wall: float = 0.0, tokens: float = 0.0) -> Ledger:
    """A ledger 720 s and 5,000 output tokens allowed, ``wall`` s and ``tokens`` spent."""
    clock = Clock()
    ledger = Ledger(Limits(wall_seconds=720, output_tokens=5000), clock=clock)
    ledger.charge(output_tokens=tokens)
    clock.now = wall
    return ledger


def _verdict(stopped_by: str | None = None) -> Verdict:
    decided = run_verdict([LOSER], stopped_by=stopped_by, publish_low_confidence=False)
    return decided.model_copy(update={"targets": ["src/m.py::f"], "confidence": 0.99})


def test_within_the_limits_nothing_is_said() -> None:
    ledger = _over(wall=720, tokens=5000)  # reached exactly: no overrun
    assert overrun_stop(ledger) is None
    verdict = _verdict()
    assert with_overruns(verdict, ledger) is verdict


def test_each_limit_gone_past_is_named_with_what_was_spent_of_what_was_allowed() -> None:
    stop = overrun_stop(_over(wall=908, tokens=7640))
    assert stop is not None
    assert (stop.by, stop.message) == ("wall_seconds", f"{WALL}; {TOKENS}")


@pytest.mark.parametrize("before", [None, "llm_calls", "output_tokens"])
def test_an_overrun_is_the_verdicts_stopped_by_and_the_reports_news(before: str | None) -> None:
    verdict = with_overruns(_verdict(before), _over(tokens=7640))
    assert (verdict.stopped_by, verdict.stopped_message) == ("output_tokens", TOKENS)
    assert verdict.budget["spent"]["output_tokens"] == 7640  # the figures agree
    report = render_report(verdict)
    assert (
        f"> **Over budget:** `{TOKENS}`. Each limit is checked before a step, and what a step "
        "spends is known only once it is done." in report
    )
    assert "stopped early" not in report and "budget was reached" not in report


def test_a_failure_that_ended_the_search_stays_the_news_and_the_overrun_is_a_note() -> None:
    ledger = _over(wall=908)
    verdict = _verdict("model_failed").model_copy(update={"stopped_message": "model call 3 ..."})
    said = with_overruns(with_overruns(verdict, ledger), ledger)  # said once, however often
    assert said.stopped_by == "model_failed"
    assert said.notes == [f"over budget: {WALL}"]
    assert f"over budget: {WALL}" in render_report(said)


def test_a_compare_that_went_past_a_limit_says_so() -> None:
    verdict = with_overruns(
        Verdict(verdict="inconclusive", reason="not_decided", message="m"), _over(wall=908)
    )
    assert f"> **Over budget:** `{WALL}`." in render_text("compare.md.j2", v=verdict, m=None)
    terminal = render_text("compare.txt.j2", v=verdict, m=None, width=9)
    assert f"over budget (wall_seconds): {WALL}" in terminal


def test_an_error_verdict_says_the_overrun_too(tmp_path: Path) -> None:
    """A run that failed (here: a model error before any candidate was verified) after its
    last reply went past the output tokens left."""
    out = tmp_path / "out"
    session = Session("run", tmp_path, environ={}, out=out)
    with pytest.raises(ModelError), session:
        session.ledger.limits = Limits(output_tokens=5000)
        session.ledger.charge(output_tokens=7640)
        raise ModelError("model call 2 (propose_optimization) answered 503")
    verdict = json.loads((out / "verdict.json").read_text())
    assert (verdict["verdict"], verdict["stopped_by"]) == ("error", "output_tokens")
    assert verdict["stopped_message"] == TOKENS
