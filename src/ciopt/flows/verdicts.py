"""Verdicts decided from what a flow found: pure functions, no I/O.

``run_verdict``: which candidate of a run wins, and what is said of it. ``compare_verdict``: what a
measured comparison of two commits says. Each returns only the fields its decision sets; the flow
adds the facts every verdict of it carries (base, run id, budget, ...) with ``model_copy``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ciopt.measure import Comparison, describe, measurement_fields
from ciopt.verdict import CandidateRecord, Correctness, Verdict

__all__ = ["COMPARE_REASONS", "candidate_verdict", "compare_verdict", "run_verdict"]

# a compare's reason, by its verdict
COMPARE_REASONS = {
    "faster": "measured_faster",
    "slower": "measured_slower",
    "no_change": "within_min_effect",
    "inconclusive": "not_decided",
}
# what a candidate's measurement puts into the run's verdict when it is the one reported
MEASURED = ("benchmarks", "ratio", "ci", "mde", "measurement", "warnings")


def run_verdict(
    candidates: Sequence[CandidateRecord],
    *,
    stopped_by: str | None,
    publish_low_confidence: bool,
) -> Verdict:
    """The verdict of a run whose candidates met these fates.

    - A faster candidate wins; among several, one with enough evidence of its correctness beats
      a faster one without (evidence first), then the lowest ratio. A winner with too little
      evidence is held back (``low_confidence``, with a note saying why) unless
      ``publish_low_confidence``.
    - Else the best measured candidate is reported, ``not_faster``.
    - Else: nothing evaluated (``inconclusive``), or every candidate rejected (``rejected``, with
      the rejections' reason when they share one).

    A run a budget stopped says so (``budget_exhausted``) when nothing won.
    """
    decided: dict[str, Any] = {"candidates": list(candidates), "stopped_by": stopped_by}
    faster = [c for c in candidates if c.outcome == "faster" and c.ratio is not None]
    if faster:
        best = min(faster, key=lambda c: (c.correctness.confidence == "low", c.ratio or 1.0))
        held = best.correctness.confidence == "low" and not publish_low_confidence
        notes = []
        if held:
            notes.append(
                "the winner is not published: the evidence of its correctness is below the "
                "floor (" + "; ".join(best.correctness.low_confidence) + "). Add tests that "
                "call it, lower min_recorded_calls or min_input_shapes, or set "
                "publish_low_confidence"
            )
        return Verdict(
            verdict="faster",
            reason="low_confidence" if held else "verified_faster",
            message=f"candidate {best.id} is faster: {best.message}"
            + (" (low confidence: not published)" if held else ""),
            head=best.head,
            correctness=best.correctness,
            notes=notes,
            **_measured(best),
            **decided,
        )
    limit_note = f" (stopped by the {stopped_by} budget)" if stopped_by else ""
    reason = "budget_exhausted" if stopped_by else None
    measured = [c for c in candidates if c.ratio is not None]
    if measured:
        best = min(measured, key=lambda c: c.ratio or 1.0)
        return Verdict(
            verdict=best.outcome,
            reason=reason or "not_faster",
            message=f"no candidate was verified faster; the best, candidate {best.id}, "
            f"measured {best.message}{limit_note}",
            **_measured(best),
            **decided,
        )
    if not candidates:
        return Verdict(
            verdict="inconclusive",
            reason=reason or "no_candidate",
            message=f"no candidate was evaluated{limit_note}",
            **decided,
        )
    reasons = sorted({c.reason for c in candidates})
    return Verdict(
        verdict="rejected",
        reason=reason or (reasons[0] if len(reasons) == 1 else "no_valid_candidate"),
        message=f"{len(candidates)} candidate(s) proposed, none passed verification "
        f"({', '.join(reasons)}){limit_note}",
        **decided,
    )


def candidate_verdict(
    record: CandidateRecord, comparison: Comparison, measure: str = "walltime"
) -> CandidateRecord:
    """A verified candidate's fate once measured: its outcome is the comparison's verdict."""
    word = comparison.verdict
    return record.model_copy(
        update={
            "outcome": word,
            "reason": "verified_faster" if word == "faster" else "not_faster",
            "message": describe(comparison),
            **measurement_fields(comparison, measure=measure),
        }
    )


def compare_verdict(
    comparison: Comparison,
    correctness: Correctness,
    *,
    measure: str = "walltime",
    calibration: str | None = None,
) -> Verdict:
    """What a compare's measurement says, with the correctness found before it; a change whose
    correctness rests on too little evidence says so in its message."""
    low = correctness.confidence == "low"
    return Verdict(
        verdict=comparison.verdict,
        reason=COMPARE_REASONS[comparison.verdict],
        message=describe(comparison) + (" (low confidence in correctness)" if low else ""),
        correctness=correctness,
        **measurement_fields(comparison, measure=measure, calibration=calibration),
    )


def _measured(record: CandidateRecord) -> dict[str, Any]:
    """A measured candidate's figures, as the run's verdict carries them."""
    return {name: getattr(record, name) for name in MEASURED}
