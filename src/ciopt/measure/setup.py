"""Measurement choices from settings and a request: benchmark options, design, noise floors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ciopt.config import Settings
from ciopt.git import Git
from ciopt.measure.bench import BenchOptions
from ciopt.measure.calibration import Calibration, load_calibration
from ciopt.measure.experiment import Design

__all__ = ["bench_options", "calibration_floors", "calibration_path", "design", "find_calibration"]


def bench_options(settings: Settings, selectors: tuple[str, ...]) -> BenchOptions:
    return BenchOptions(
        selectors=selectors,
        max_time=settings.bench_max_time,
        min_rounds=settings.bench_min_rounds,
        timeout=settings.test_timeout,
    )


def design(
    settings: Settings,
    *,
    selectors: tuple[str, ...],
    floors: dict[str, float] | None = None,
    **asked: Any,
) -> Design:
    """The experiment's design; ``asked`` values (a request's, a flag's) win when not None."""
    given = {k: v for k, v in asked.items() if v is not None}
    return Design(
        confidence=given.get("confidence", settings.confidence),
        min_effect=given.get("min_effect", settings.min_effect),
        time_budget=given.get("time_budget", settings.time_budget),
        max_rounds=given.get("max_rounds", settings.rounds),
        pairing=given.get("pairing", settings.pairing),
        seed=settings.seed,
        primary=tuple(s for s in selectors if "::" in s),
        floors=floors or {},
        early_stop=given.get("early_stop", True),
    )


def calibration_path(git: Git) -> Path:
    """Where ``ciopt calibrate`` keeps the latest calibration of this repository."""
    return Path(git("rev-parse", "--absolute-git-dir")) / "ciopt" / "calibration.json"


def find_calibration(settings: Settings, git: Git) -> tuple[Path, Calibration] | None:
    """The configured calibration, else the repository's latest one, else None."""
    path = settings.calibration or calibration_path(git)
    if settings.calibration is None and not path.is_file():
        return None
    return path, load_calibration(path)


def calibration_floors(
    settings: Settings, git: Git, notes: list[str], measure: str = "walltime"
) -> tuple[dict[str, float], Path | None]:
    """Noise floors from a calibration that matches this pairing, and the file they came from.

    A note says which calibration was used. Instruction counts need none: they repeat exactly.
    """
    found = find_calibration(settings, git) if measure == "walltime" else None
    if found is None:
        return {}, None
    path, calibration = found
    if calibration.pairing != settings.pairing:
        notes.append(f"calibration {path} was made with {calibration.pairing} rounds; not used")
        return {}, None
    floors = calibration.floors()
    notes.append(
        f"noise floors from {path} (A/A at {calibration.sha[:12]}): overall "
        f"{floors['*']:.2%}; no effect below them is claimed"
    )
    return floors, path
