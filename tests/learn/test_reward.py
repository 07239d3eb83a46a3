"""The reward of each kind of outcome, from the candidates' fates as verdict.json records them."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from ciopt.learn import Signals, Weights, reward, signals_of, stage
from ciopt.learn.reward import with_reference
from ciopt.verdict import CandidateRecord

REFERENCE = 0.05


def fate(reason: str, outcome: str = "rejected", ratio: float | None = None) -> CandidateRecord:
    return CandidateRecord(id=1, outcome=outcome, reason=reason, message="", ratio=ratio)


def scored(*candidates: CandidateRecord, trap: bool = False, ref: float = REFERENCE) -> float:
    return reward(signals_of(candidates, trap=trap, reference_ratio=ref))


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        (fate("malformed_response"), 0.0),  # not decoded
        (fate("not_applied"), 0.1),
        (fate("forbidden_path"), 0.1),  # decoded, but no usable change to the target
        (fate("tests_failed"), 0.2),  # applied
        (fate("behavior_changed"), 0.35),  # the tests passed
        (fate("not_faster", "inconclusive", 0.99), 0.5),  # behaviour equal
        (fate("not_faster", "slower", 1.3), 0.5),
        (fate("verified_faster", "faster", REFERENCE), 1.0),  # as fast as the reference
        (fate("verified_faster", "faster", 0.001), 1.0),  # beyond it: clipped
        (fate("verified_faster", "faster", math.sqrt(REFERENCE)), 0.9),  # half way, on logs
        (fate("a_new_reason", "no_change", 1.0), 0.5),  # measured: its behaviour was equal
        (fate("a_new_reason"), 0.1),  # not measured: decoded, no more is known
    ],
)
def test_each_outcome_earns_the_stages_it_reached(
    candidate: CandidateRecord, expected: float
) -> None:
    assert scored(candidate) == pytest.approx(expected)


def test_no_reference_figure_or_no_candidate() -> None:
    assert scored(fate("verified_faster", "faster", 0.01), ref=0.0) == pytest.approx(0.8)
    assert scored() == 0.0
    assert signals_of([], trap=False, reference_ratio=REFERENCE) == Signals()


def test_the_best_candidate_counts_and_its_ratio_against_the_reference() -> None:
    found = signals_of(
        [fate("not_applied"), fate("verified_faster", "faster", 0.5), fate("tests_failed")],
        trap=False,
        reference_ratio=0.25,
        cost_usd=0.02,
    )
    assert found.speedup_vs_reference == pytest.approx(0.5)
    assert found == Signals(
        decoded=True,
        applied=True,
        tests_passed=True,
        behaviour_equal=True,
        verified_faster=True,
        speedup_vs_reference=found.speedup_vs_reference,
        cost_usd=0.02,
    )
    assert reward(found) == pytest.approx(0.9)


def test_a_caught_trap_earns_nothing_beyond_applied() -> None:
    changed = fate("behavior_changed")
    assert stage(changed) == 3 and stage(changed, trap=True) == 2
    assert scored(changed, trap=True) == pytest.approx(0.2)  # 0.35 on a task with no trap
    assert signals_of([changed], trap=True, reference_ratio=REFERENCE).trap_caught
    assert scored(fate("tests_failed"), trap=True) == pytest.approx(0.2)
    assert not signals_of([changed], trap=False, reference_ratio=REFERENCE).trap_caught
    # another candidate of the same task that was verified keeps its credit
    assert scored(changed, fate("verified_faster", "faster", REFERENCE), trap=True) == 1.0


def test_a_stage_counts_only_after_the_earlier_ones() -> None:
    assert reward(Signals(applied=True, tests_passed=True, verified_faster=True)) == 0.0
    skipped = Signals(decoded=True, applied=True, behaviour_equal=True, speedup_vs_reference=1.0)
    assert reward(skipped) == pytest.approx(0.2)


def test_weights_sum_to_one_and_shape_the_reward() -> None:
    assert sum(Weights().model_dump().values()) == pytest.approx(1.0)
    with pytest.raises(ValidationError, match=r"the weights sum to 1\.1;"):
        Weights(decoded=0.2)
    only_speed = Weights(
        decoded=0, applied=0, tests_passed=0, behaviour_equal=0, verified_faster=0.5, speedup=0.5
    )
    half = Signals(
        decoded=True,
        applied=True,
        tests_passed=True,
        behaviour_equal=True,
        verified_faster=True,
        speedup_vs_reference=0.5,
    )
    assert reward(half, only_speed) == pytest.approx(0.75)


def test_a_cached_ratio_is_told_against_the_reference_figure_of_today() -> None:
    found = Signals(
        decoded=True,
        applied=True,
        tests_passed=True,
        behaviour_equal=True,
        verified_faster=True,
        speedup_vs_reference=0.0,  # measured before the corpus had its figure
    )
    assert with_reference(found, 0.1, 0.01).speedup_vs_reference == pytest.approx(0.5)
    assert with_reference(found, 0.1, 0.0).speedup_vs_reference == 0.0
    assert with_reference(found, None, 0.01).speedup_vs_reference == 0.0
    slower = found.model_copy(update={"verified_faster": False})
    assert with_reference(slower, 0.1, 0.01).speedup_vs_reference == 0.0
