"""Interleaved rounds, driven through a fake executor that plays pytest-benchmark."""

from __future__ import annotations

import json
import random
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from ciopt.budget import Ledger
from ciopt.client import Client
from ciopt.config import Limits
from ciopt.errors import BaselineError, BudgetExhausted
from ciopt.measure import BenchOptions, Comparison, compare_sides
from ciopt.proc import Completed


class FakeBenchExecutor:
    """Answers benchmark runs with a median per side: ``times[side] * noise``."""

    name = "fake"

    def __init__(self, times: dict[str, float], noise: float = 0.01, seed: int = 1) -> None:
        self.times = times
        self.noise = noise
        self.rng = random.Random(seed)
        self.calls: list[tuple[str, str]] = []  # (side, PYTHONHASHSEED)

    def run(
        self, cwd: Path, argv: Sequence[str], *, env: Mapping[str, str], timeout: float
    ) -> Completed:
        side = cwd.name
        self.calls.append((side, env["PYTHONHASHSEED"]))
        out = Path(next(a for a in argv if a.startswith("--benchmark-json=")).split("=", 1)[1])
        median = self.times[side] * self.rng.lognormvariate(0, self.noise)
        stats = {"median": median, "rounds": 7}
        out.write_text(json.dumps({"benchmarks": [{"fullname": "b.py::t", "stats": stats}]}))
        return Completed(tuple(argv), 0, "", "", 0.5)


def _compare(
    tmp_path: Path, executor: FakeBenchExecutor, *, rounds: int = 10, limits: Limits | None = None
) -> tuple[Comparison, Ledger]:
    (tmp_path / "base").mkdir(exist_ok=True)
    (tmp_path / "head").mkdir(exist_ok=True)
    client = Client("python", executor, environ={})
    ledger = Ledger(limits or Limits())
    result = compare_sides(
        client,
        tmp_path / "base",
        tmp_path / "head",
        BenchOptions(selectors=("b.py",)),
        rounds=rounds,
        confidence=0.99,
        min_effect=0.02,
        seed=3,
        ledger=ledger,
        bench_dir=tmp_path / "bench",
    )
    return result, ledger


def test_rounds_interleave_in_random_order_with_a_shared_hash_seed(tmp_path: Path) -> None:
    executor = FakeBenchExecutor({"base": 1e-3, "head": 1e-3})
    _compare(tmp_path, executor)
    pairs = [executor.calls[i : i + 2] for i in range(0, len(executor.calls), 2)]
    assert len(pairs) == 10
    assert all({side for side, _ in pair} == {"base", "head"} for pair in pairs)
    assert all(pair[0][1] == pair[1][1] for pair in pairs)  # one hash seed per round
    assert len({pair[0][1] for pair in pairs}) == 10  # a new one every round
    assert {pair[0][0] for pair in pairs} == {"base", "head"}  # both orders happen
    assert len(list((tmp_path / "bench").glob("round-*-*.json"))) == 20


@pytest.mark.parametrize(
    ("head", "verdict"), [(0.8e-3, "faster"), (1.25e-3, "slower"), (1.0e-3, "no_change")]
)
def test_verdicts_follow_the_true_ratio(tmp_path: Path, head: float, verdict: str) -> None:
    result, ledger = _compare(tmp_path, FakeBenchExecutor({"base": 1e-3, "head": head}))
    assert result.verdict == verdict
    est = result.overall
    assert est.ci_low < head / 1e-3 < est.ci_high
    assert ledger.spent["bench_seconds"] == pytest.approx(10)


def test_noise_makes_it_inconclusive_rather_than_a_guess(tmp_path: Path) -> None:
    result, _ = _compare(tmp_path, FakeBenchExecutor({"base": 1e-3, "head": 0.97e-3}, noise=0.3))
    assert result.verdict == "inconclusive"


def test_bench_budget_cuts_rounds_short_and_says_so(tmp_path: Path) -> None:
    executor = FakeBenchExecutor({"base": 1e-3, "head": 0.5e-3})
    result, _ = _compare(tmp_path, executor, limits=Limits(bench_seconds=3.5))
    assert result.stopped_by == "bench_seconds"
    assert result.overall.rounds == 4


def test_budget_gone_before_two_rounds_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BudgetExhausted):
        _compare(
            tmp_path, FakeBenchExecutor({"base": 1, "head": 1}), limits=Limits(bench_seconds=1)
        )


def test_a_run_without_benchmark_json_selects_nothing(tmp_path: Path) -> None:
    class Empty(FakeBenchExecutor):
        def run(
            self, cwd: Path, argv: Sequence[str], *, env: Mapping[str, str], timeout: float
        ) -> Completed:
            return Completed(tuple(argv), 5, "no tests ran", "", 0.1)

    with pytest.raises(BaselineError, match="selects no benchmark"):
        _compare(tmp_path, Empty({}))
