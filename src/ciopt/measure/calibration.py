"""Calibration: what A/A rounds (one commit against itself) say about this machine's noise.

``ciopt calibrate`` measures one commit in two worktrees for the whole time budget. From the
per-round log ratios of each benchmark it derives:

- ``sd``: the spread of one round's ratio, which sets how fast intervals narrow;
- ``floor``: the largest difference between two copies of the same code that the A/A data
  cannot rule out (``|bias|`` plus its interval's half-width); ``compare`` never claims an
  effect smaller than this;
- the empirical false-positive rate: the rounds cut into blocks, each judged like a compare;
- ``mde``: the smallest speedup a compare with the same time budget would be able to call.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ciopt.errors import ConfigError
from ciopt.measure import stats
from ciopt.measure.analysis import OVERALL

__all__ = ["BLOCKS", "Calibration", "Noise", "load_calibration", "noise"]

BLOCKS = 5  # A/A blocks judged for the empirical false-positive rate


class Noise(BaseModel):
    name: str
    rounds: int
    sd: float  # of the per-round log ratio
    bias: float  # mean A/A ratio minus one (zero on an ideal machine)
    floor: float  # the noise floor, as a relative effect
    false_positives: int  # A/A blocks that claimed faster or slower
    blocks: int
    mde: float  # smallest speedup a compare of ``time_budget`` seconds would call


class Calibration(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_: Literal["ciopt.calibration/1"] = Field("ciopt.calibration/1", alias="schema")
    sha: str
    python: str
    pairing: str
    cpus: int
    time_budget: float
    round_seconds: float
    confidence: float
    min_effect: float
    benchmarks: list[Noise]
    overall: Noise

    def floors(self) -> dict[str, float]:
        found = {n.name: n.floor for n in self.benchmarks}
        found[OVERALL] = self.overall.floor
        return found

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2) + "\n"


def noise(
    name: str,
    logs: Sequence[float],
    *,
    confidence: float,
    min_effect: float,
    rounds_per_compare: float,
) -> Noise:
    """The noise of one benchmark from its A/A log ratios."""
    est = stats.estimate(logs)
    low, high = est.interval(confidence)
    floor = max(abs(math.log(low)), abs(math.log(high))) if math.isfinite(high) else math.inf
    sd = est.se * math.sqrt(est.rounds)
    alpha = 1 - confidence
    size = max(3, len(logs) // BLOCKS)
    blocks = [logs[i : i + size] for i in range(0, len(logs) - size + 1, size)]
    claims = sum(
        stats.decide(stats.estimate(b), alpha, min_effect).verdict in ("faster", "slower")
        for b in blocks
    )
    n = max(2.0, rounds_per_compare)
    projected = stats.Estimate(0.0, sd / math.sqrt(n), int(n))
    return Noise(
        name=name,
        rounds=est.rounds,
        sd=sd,
        bias=math.expm1(est.mean),
        floor=math.expm1(floor),
        false_positives=claims,
        blocks=len(blocks),
        mde=stats.detectable(projected, confidence, max(min_effect, math.expm1(floor))),
    )


def load_calibration(path: Path) -> Calibration:
    try:
        return Calibration.model_validate_json(path.read_text())
    except (OSError, ValidationError, ValueError) as exc:
        raise ConfigError(
            f"calibration {path} cannot be read ({str(exc).splitlines()[0]}); "
            "run `ciopt calibrate` again or remove it"
        ) from exc
