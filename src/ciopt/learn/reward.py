"""The reward of one task's run: staged signals read from its ``verdict.json``, weighted into
[0, 1].

Each candidate reached a stage, said by its reason in ``verdict.json``:

    candidate reason                              stage reached
    malformed_response                            none: the reply was not decoded
    not_applied, no_change, forbidden_path        decoded: no usable change to the target
    tests_failed, sandbox_violation               applied
    behavior_changed                              tests passed
    not_faster (slower, no_change, inconclusive)  behaviour equal
    verified_faster (outcome faster)              verified faster
    any other reason                              behaviour equal if it was measured, else decoded

On a trap task (``trap`` in task.toml) a candidate rejected as ``behavior_changed`` or
``tests_failed`` took the bait: it counts as applied and no further. A task's signals say
whether any of its candidates reached each stage; ``speedup_vs_reference`` is the best verified
ratio against the reference's on a log scale, ``log(ratio) / log(reference_ratio)`` clipped to
[0, 1] (0 when nothing was verified faster or the task has no reference figure).

``reward`` adds each stage's weight while the stages before it passed, and the speedup's weight
times ``speedup_vs_reference`` once verified faster. ``METRIC_VERSION`` changes with any of this.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field, model_validator

from ciopt.verdict import CandidateRecord

__all__ = [
    "CAUGHT",
    "METRIC_VERSION",
    "STAGES",
    "Signals",
    "Weights",
    "reward",
    "signals_of",
    "stage",
]

METRIC_VERSION = 1
STAGES = ("decoded", "applied", "tests_passed", "behaviour_equal", "verified_faster")
REACHED = {
    "malformed_response": 0,
    "not_applied": 1,
    "no_change": 1,
    "forbidden_path": 1,
    "tests_failed": 2,
    "sandbox_violation": 2,
    "behavior_changed": 3,
    "not_faster": 4,
    "verified_faster": 5,
}
CAUGHT = frozenset({"behavior_changed", "tests_failed"})  # a trap that was taken, and caught


class Signals(BaseModel):
    """What a task's candidates reached (any of them), what it cost, and the speedup."""

    model_config = ConfigDict(frozen=True)

    decoded: bool = False
    applied: bool = False
    tests_passed: bool = False
    behaviour_equal: bool = False
    verified_faster: bool = False
    speedup_vs_reference: float = Field(0.0, ge=0.0, le=1.0)
    trap_caught: bool = False  # a trap task's candidate changed behaviour and was rejected
    cost_usd: float = 0.0


class Weights(BaseModel):
    """Each stage's share of the reward; they sum to 1."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    decoded: float = Field(0.10, ge=0)  # the reply was read as a change
    applied: float = Field(0.10, ge=0)  # the change applied to the target, and only to it
    tests_passed: float = Field(0.15, ge=0)  # the project's tests still pass
    behaviour_equal: float = Field(0.15, ge=0)  # recorded and generated calls return the same
    verified_faster: float = Field(0.30, ge=0)  # measured faster with confidence
    speedup: float = Field(0.20, ge=0)  # times speedup_vs_reference: as fast as the reference

    @model_validator(mode="after")
    def _sum_to_one(self) -> Weights:
        total = sum(self.model_dump().values())
        if not math.isclose(total, 1.0, abs_tol=1e-9):
            raise ValueError(f"the weights sum to {total:g}; they must sum to 1")
        return self


def stage(candidate: CandidateRecord, *, trap: bool = False) -> int:
    """How many of ``STAGES`` the candidate reached (the table above)."""
    reached = REACHED.get(candidate.reason)
    if candidate.outcome == "faster":
        reached = 5
    elif reached is None:
        reached = 4 if candidate.ratio is not None else 1
    if trap and candidate.reason in CAUGHT:
        return min(reached, 2)
    return reached


def signals_of(
    candidates: Sequence[CandidateRecord],
    *,
    trap: bool,
    reference_ratio: float,
    cost_usd: float = 0.0,
) -> Signals:
    """A task's signals from its candidates' fates."""
    best = max((stage(c, trap=trap) for c in candidates), default=0)
    faster = [c.ratio for c in candidates if stage(c) == 5 and c.ratio is not None]
    return Signals(
        **{name: best > n for n, name in enumerate(STAGES)},
        speedup_vs_reference=_speedup(min(faster), reference_ratio) if faster else 0.0,
        trap_caught=trap and any(c.reason in CAUGHT for c in candidates),
        cost_usd=cost_usd,
    )


def with_reference(signals: Signals, ratio: float | None, reference_ratio: float) -> Signals:
    """``signals`` with the speedup told against today's reference figure: a cached run (its
    best verified ``ratio`` kept) is scored against the corpus as it is now."""
    found = signals.verified_faster and ratio is not None
    speedup = _speedup(ratio, reference_ratio) if found and ratio is not None else 0.0
    return signals.model_copy(update={"speedup_vs_reference": speedup})


def _speedup(ratio: float, reference: float) -> float:
    if not 0 < reference < 1 or ratio <= 0:
        return 0.0
    return min(max(math.log(ratio) / math.log(reference), 0.0), 1.0)


def reward(signals: Signals, weights: Weights | None = None) -> float:
    """The reward in [0, 1]: a stage counts only when every stage before it passed."""
    w = weights or Weights()
    total = 0.0
    for name in STAGES:
        if not getattr(signals, name):
            break
        total += getattr(w, name)
    else:
        total += w.speedup * signals.speedup_vs_reference
    return round(min(max(total, 0.0), 1.0), 6)
