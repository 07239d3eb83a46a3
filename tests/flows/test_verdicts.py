"""The decisions, apart from any run: which candidate wins, and what a compare says."""

from __future__ import annotations

import pytest

from ciopt.flows import compare_verdict, run_verdict
from ciopt.verdict import BenchmarkVerdict, CandidateRecord, Correctness, Verdict
from tests.helpers.comparisons import comparison

LOW = Correctness(confidence="low", low_confidence=["dedupe: 2 recorded calls, below 5"])
HIGH = Correctness(confidence="high")


def measured(
    number: int, outcome: str, ratio: float, correctness: Correctness = HIGH
) -> CandidateRecord:
    """A candidate that passed verification and was measured at ``ratio``."""
    return CandidateRecord(
        id=number,
        outcome=outcome,
        reason="verified_faster" if outcome == "faster" else "not_faster",
        message=f"ratio {ratio}",
        head=f"{number:040x}",
        ratio=ratio,
        ci=(ratio * 0.9, ratio * 1.1),
        benchmarks=[BenchmarkVerdict(name="b", ratio=ratio, ci=(0, 1), rounds=9, verdict="x")],
        warnings=[f"warning of {number}"],
        correctness=correctness,
    )


def rejected(number: int, reason: str) -> CandidateRecord:
    return CandidateRecord(id=number, outcome="rejected", reason=reason, message=reason)


def decide(
    *candidates: CandidateRecord, stopped_by: str | None = None, publish: bool = False
) -> Verdict:
    return run_verdict(candidates, stopped_by=stopped_by, publish_low_confidence=publish)


def test_the_fastest_well_evidenced_candidate_wins_and_brings_its_figures() -> None:
    got = decide(measured(1, "faster", 0.5), measured(2, "faster", 0.3), measured(3, "slower", 2))
    assert (got.verdict, got.reason, got.head) == ("faster", "verified_faster", f"{2:040x}")
    assert got.ratio == 0.3 and got.ci == (0.3 * 0.9, 0.3 * 1.1)
    assert got.benchmarks[0].ratio == 0.3 and got.warnings == ["warning of 2"]
    assert got.message == "candidate 2 is faster: ratio 0.3" and got.notes == []
    assert [c.id for c in got.candidates] == [1, 2, 3]


def test_evidence_comes_before_speed() -> None:
    got = decide(measured(1, "faster", 0.1, LOW), measured(2, "faster", 0.6))
    assert (got.reason, got.ratio, got.correctness.confidence) == ("verified_faster", 0.6, "high")


def test_a_winner_without_enough_evidence_is_held_back_and_the_note_says_why() -> None:
    got = decide(measured(1, "faster", 0.2, LOW), measured(2, "no_change", 1.0))
    assert (got.verdict, got.reason) == ("faster", "low_confidence")
    assert got.message.endswith("(low confidence: not published)")
    (note,) = got.notes
    assert "dedupe: 2 recorded calls, below 5" in note and "publish_low_confidence" in note


def test_publish_low_confidence_lets_such_a_winner_through() -> None:
    got = decide(measured(1, "faster", 0.2, LOW), publish=True)
    assert (got.reason, got.notes) == ("verified_faster", [])


@pytest.mark.parametrize(("outcome", "ratio"), [("slower", 1.4), ("no_change", 0.99)])
def test_without_a_winner_the_best_measured_one_is_reported(outcome: str, ratio: float) -> None:
    got = decide(rejected(1, "tests_failed"), measured(2, outcome, ratio), measured(3, "slower", 3))
    assert (got.verdict, got.reason, got.ratio) == (outcome, "not_faster", ratio)
    assert got.head is None  # nothing to publish
    assert got.message.startswith("no candidate was verified faster; the best, candidate 2,")


def test_a_budget_that_stopped_the_run_is_the_reason_when_nothing_won() -> None:
    got = decide(measured(1, "inconclusive", 0.97), stopped_by="llm_calls")
    assert (got.reason, got.stopped_by) == ("budget_exhausted", "llm_calls")
    assert got.message.endswith("(stopped by the llm_calls budget)")
    won = decide(measured(1, "faster", 0.5), stopped_by="llm_calls")
    assert won.reason == "verified_faster" and won.stopped_by == "llm_calls"


@pytest.mark.parametrize(
    ("stopped_by", "reason"), [(None, "no_candidate"), ("cost_usd", "budget_exhausted")]
)
def test_no_candidate_at_all_is_inconclusive(stopped_by: str | None, reason: str) -> None:
    got = decide(stopped_by=stopped_by)
    assert (got.verdict, got.reason, got.candidates) == ("inconclusive", reason, [])


def test_rejections_give_their_shared_reason_or_say_none_was_valid() -> None:
    one = decide(rejected(1, "behavior_changed"), rejected(2, "behavior_changed"))
    assert (one.verdict, one.reason) == ("rejected", "behavior_changed")
    mixed = decide(rejected(1, "tests_failed"), rejected(2, "forbidden_path"))
    assert (mixed.verdict, mixed.reason) == ("rejected", "no_valid_candidate")
    assert mixed.message == (
        "2 candidate(s) proposed, none passed verification (forbidden_path, tests_failed)"
    )


@pytest.mark.parametrize(
    ("verdict", "reason"),
    [
        ("faster", "measured_faster"),
        ("slower", "measured_slower"),
        ("no_change", "within_min_effect"),
        ("inconclusive", "not_decided"),
    ],
)
def test_a_compares_reason_follows_its_verdict(verdict: str, reason: str) -> None:
    got = compare_verdict(comparison(verdict, 0.8), HIGH)
    assert (got.verdict, got.reason) == (verdict, reason)
    assert got.ratio == pytest.approx(0.8)
    assert got.measurement is not None and got.measurement.pairing == "duet"
    assert got.benchmarks[0].base_median_s == 2.0


def test_a_compare_with_little_evidence_of_correctness_says_so() -> None:
    got = compare_verdict(comparison("faster", 0.5), LOW, calibration="/c.json")
    assert got.message.endswith(" (low confidence in correctness)")
    assert got.correctness.confidence == "low"
    assert got.measurement is not None and got.measurement.calibration == "/c.json"
    assert "low confidence" not in compare_verdict(comparison("faster", 0.5), HIGH).message
