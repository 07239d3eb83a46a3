from __future__ import annotations

import random
from pathlib import Path

import pytest

from ciopt.errors import ConfigError
from ciopt.measure.calibration import Calibration, load_calibration, noise


def test_noise_of_quiet_a_a_rounds() -> None:
    rng = random.Random(2)
    logs = [rng.gauss(0, 0.01) for _ in range(50)]
    n = noise("b", logs, confidence=0.99, min_effect=0.02, rounds_per_compare=40)
    assert n.rounds == 50 and n.blocks == 5
    assert n.sd == pytest.approx(0.01, rel=0.3)
    assert abs(n.bias) < n.floor < 0.01  # floor: |bias| plus the interval's reach
    assert n.false_positives == 0
    assert 0.02 < n.mde < 0.03


def test_a_biased_machine_has_a_high_floor() -> None:
    rng = random.Random(4)
    logs = [rng.gauss(0.04, 0.01) for _ in range(40)]
    n = noise("b", logs, confidence=0.99, min_effect=0.02, rounds_per_compare=40)
    assert n.floor > 0.04
    assert n.false_positives == n.blocks  # every A/A block "found" a slowdown
    assert n.mde > n.floor


def test_calibration_round_trips_and_gives_floors(tmp_path: Path) -> None:
    logs = [0.001, -0.002, 0.0, 0.002, -0.001]
    one = noise("b", logs, confidence=0.99, min_effect=0.02, rounds_per_compare=30)
    overall = one.model_copy(update={"name": "*"})
    cal = Calibration(
        sha="a" * 40, python="py", pairing="duet", cpus=2, time_budget=60, round_seconds=1.5,
        confidence=0.99, min_effect=0.02, benchmarks=[one], overall=overall,
    )  # fmt: skip
    path = tmp_path / "calibration.json"
    path.write_text(cal.to_json())
    assert load_calibration(path) == cal
    assert cal.floors() == {"b": one.floor, "*": one.floor}


def test_a_broken_calibration_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "calibration.json"
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="run `ciopt calibrate` again"):
        load_calibration(path)
