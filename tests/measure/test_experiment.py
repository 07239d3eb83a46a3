"""The A/B experiment, driven through a fake executor that plays pytest-benchmark."""

from __future__ import annotations

import functools
import json
import random
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from ciopt.budget import Ledger
from ciopt.client.interpreter import Client
from ciopt.config import Limits
from ciopt.errors import BaselineError, BudgetExhausted
from ciopt.measure import BenchOptions, Comparison, Design, run_experiment, stats
from ciopt.measure.experiment import LOOKS
from ciopt.proc import Completed

SECONDS_PER_PROCESS = 0.5


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.now += seconds


class FakeBenchExecutor:
    """Answers benchmark runs: ``times[side][bench] * noise``; each process costs clock time."""

    name = "fake"

    def __init__(
        self,
        times: Mapping[str, Mapping[str, float]],
        clock: FakeClock,
        noise: float = 0.01,
        seed: int = 1,
    ) -> None:
        self.times = times
        self.clock = clock
        self.noise = noise
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.calls: list[tuple[str, dict[str, str], tuple[str, ...]]] = []

    def run(
        self, cwd: Path, argv: Sequence[str], *, env: Mapping[str, str], timeout: float
    ) -> Completed:
        side = cwd.name
        with self.lock:
            self.calls.append((side, dict(env), tuple(argv)))
            factors = {b: self.rng.lognormvariate(0, self.noise) for b in self.times[side]}
        out = Path(next(a for a in argv if a.startswith("--benchmark-json=")).split("=", 1)[1])
        benches = [
            {
                "fullname": bench,
                "stats": {
                    "median": t * factors[bench],
                    "mean": t,
                    "stddev": t * 0.01,
                    "min": t,
                    "rounds": 50,
                    "iterations": 1,
                },
            }
            for bench, t in self.times[side].items()
        ]
        out.write_text(json.dumps({"benchmarks": benches}))
        self.clock.advance(SECONDS_PER_PROCESS)
        return Completed(tuple(argv), 0, "", "", SECONDS_PER_PROCESS)


def one(base: float, head: float, name: str = "b.py::t") -> dict[str, dict[str, float]]:
    return {"base": {name: base}, "head": {name: head}}


def experiment(
    tmp_path: Path,
    times: Mapping[str, Mapping[str, float]],
    *,
    noise: float = 0.01,
    seed: int = 1,
    limits: Limits | None = None,
    **design: object,
) -> tuple[Comparison, FakeBenchExecutor, Ledger]:
    for side in ("base", "head"):
        (tmp_path / side).mkdir(parents=True, exist_ok=True)
    clock = FakeClock()
    executor = FakeBenchExecutor(times, clock, noise=noise, seed=seed)
    ledger = Ledger(limits or Limits())
    result = run_experiment(
        Client("python", executor, environ={}),
        tmp_path / "base",
        tmp_path / "head",
        BenchOptions(selectors=("b.py",)),
        Design(**{"time_budget": 20.0, "seed": seed, **design}),  # type: ignore[arg-type]
        ledger=ledger,
        bench_dir=tmp_path / "bench",
        clock=clock,
    )
    return result, executor, ledger


def rounds_of(executor: FakeBenchExecutor) -> list[list[tuple[str, dict[str, str]]]]:
    calls = [(side, env) for side, env, _ in executor.calls]
    return [calls[i : i + 2] for i in range(0, len(calls), 2)]


@pytest.mark.parametrize("pairing", ["duet", "sequential"])
def test_rounds_pair_both_sides_with_one_hash_seed(tmp_path: Path, pairing: str) -> None:
    result, executor, _ = experiment(tmp_path, one(1e-3, 1e-3), noise=0.2, pairing=pairing)
    pairs = rounds_of(executor)
    assert len(pairs) == result.overall.estimate.rounds >= 10
    assert all({side for side, _ in pair} == {"base", "head"} for pair in pairs)
    seeds = [pair[0][1]["PYTHONHASHSEED"] for pair in pairs]
    assert all(pair[0][1]["PYTHONHASHSEED"] == pair[1][1]["PYTHONHASHSEED"] for pair in pairs)
    assert len(set(seeds)) == len(seeds)  # a new seed every round
    assert all(env["CIOPT_GC_FREEZE"] == "1" for pair in pairs for _, env in pair)
    if pairing == "sequential":
        assert {pair[0][0] for pair in pairs} == {"base", "head"}  # both orders happen
        assert not any("CIOPT_BARRIER" in env for pair in pairs for _, env in pair)
    else:
        for (_, a), (_, b) in pairs:  # both wait for each other, pinned to the same CPU
            assert a["CIOPT_BARRIER"] == b["CIOPT_BARRIER"]
            assert a.get("CIOPT_PIN_CPU") == b.get("CIOPT_PIN_CPU")
        timers = {a for _, _, argv in executor.calls for a in argv if "timer" in a}
        assert timers == {"--benchmark-timer=time.process_time"}
    assert len(list((tmp_path / "bench").glob("round-*-*.json"))) == 2 * len(pairs)


def test_a_clear_effect_stops_early(tmp_path: Path) -> None:
    result, _, ledger = experiment(tmp_path, one(1e-3, 0.8e-3))
    assert result.verdict == "faster"
    assert result.stopped_by == "decided"
    assert result.looks[0].rounds == 3  # the first look waits for three rounds
    rounds = result.looks[-1].rounds
    assert rounds <= 5 and result.seconds <= 0.25 * 20
    low, high = result.overall.ci
    assert low < 0.8 < high < 0.98
    assert ledger.spent["bench_seconds"] == pytest.approx(rounds * 2 * SECONDS_PER_PROCESS)


def test_looks_spend_the_error_rate_and_never_more(tmp_path: Path) -> None:
    result, _, _ = experiment(tmp_path, one(1e-3, 0.99e-3), noise=0.05)
    assert result.verdict == "inconclusive"
    assert result.stopped_by == "time_budget"
    assert all(look.fraction >= share for look, share in zip(result.looks, LOOKS, strict=True))
    assert sum(look.alpha for look in result.looks) == pytest.approx(0.01)
    assert result.looks[-1].alpha == pytest.approx(1 - result.confidence)
    assert result.overall.mde > 0.02


@pytest.mark.parametrize(
    ("head", "verdict"), [(0.8e-3, "faster"), (1.25e-3, "slower"), (1.0e-3, "no_change")]
)
def test_verdicts_follow_the_true_ratio(tmp_path: Path, head: float, verdict: str) -> None:
    result, _, _ = experiment(tmp_path, one(1e-3, head), noise=0.005)
    assert result.verdict == verdict
    low, high = result.overall.ci
    assert low < head / 1e-3 < high


def test_noise_makes_it_inconclusive_rather_than_a_guess(tmp_path: Path) -> None:
    result, _, _ = experiment(tmp_path, one(1e-3, 0.97e-3), noise=0.3)
    assert result.verdict == "inconclusive"
    assert any("varies by" in w for w in result.warnings)


@pytest.fixture
def cached_t(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stats, "t_quantile", functools.cache(stats.t_quantile))


@pytest.mark.usefixtures("cached_t")
def test_sequential_looks_keep_a_a_claims_rare(tmp_path: Path) -> None:
    """Looking four times must not multiply false claims: 300 noisy A/A experiments."""
    claims = 0
    for seed in range(300):
        result, _, _ = experiment(
            tmp_path / str(seed), one(1e-3, 1e-3), noise=0.03, seed=seed, pairing="sequential"
        )
        claims += result.verdict in ("faster", "slower")
    assert claims <= 3


def test_a_named_benchmark_decides_overall(tmp_path: Path) -> None:
    times = {
        "base": {"b.py::fast": 1e-3, "b.py::same": 1e-3},
        "head": {"b.py::fast": 0.5e-3, "b.py::same": 1e-3},
    }
    named, _, _ = experiment(tmp_path / "n", times, primary=("b.py::same",), noise=0.002)
    assert named.overall.name == "b.py::same"
    assert named.verdict == "no_change"
    both, _, _ = experiment(tmp_path / "g", times, noise=0.002)
    assert both.overall.name == "geometric mean of 2"
    assert both.overall.ratio == pytest.approx(0.5**0.5, rel=0.01)
    assert {b.name: b.verdict for b in both.benchmarks}["b.py::fast"] == "faster"


def test_a_noise_floor_raises_the_bar(tmp_path: Path) -> None:
    result, _, _ = experiment(tmp_path, one(1e-3, 0.95e-3), noise=0.002, floors={"*": 0.08})
    assert result.overall.min_effect == 0.08
    assert result.verdict in {"no_change", "inconclusive"}


def test_bench_budget_cuts_rounds_short_and_says_so(tmp_path: Path) -> None:
    result, _, _ = experiment(
        tmp_path, one(1e-3, 0.99e-3), noise=0.05, limits=Limits(bench_seconds=3.5)
    )
    assert result.stopped_by == "bench_seconds"
    assert result.overall.estimate.rounds == 4


def test_budget_gone_before_two_rounds_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(BudgetExhausted):
        experiment(tmp_path, one(1, 1), limits=Limits(bench_seconds=0.5))


def test_a_run_without_benchmark_json_selects_nothing(tmp_path: Path) -> None:
    class Empty(FakeBenchExecutor):
        def run(
            self, cwd: Path, argv: Sequence[str], *, env: Mapping[str, str], timeout: float
        ) -> Completed:
            return Completed(tuple(argv), 5, "no tests ran", "", 0.1)

    (tmp_path / "base").mkdir()
    (tmp_path / "head").mkdir()
    with pytest.raises(BaselineError, match="selects no benchmark"):
        run_experiment(
            Client("python", Empty(one(1, 1), FakeClock()), environ={}),
            tmp_path / "base",
            tmp_path / "head",
            BenchOptions(selectors=("b.py",)),
            Design(),
            ledger=Ledger(Limits()),
            bench_dir=tmp_path / "bench",
        )


def test_no_round_starts_that_would_overrun_the_budget(tmp_path: Path) -> None:
    result, _, _ = experiment(tmp_path, one(1e-3, 0.99e-3), noise=0.05, time_budget=20.5)
    assert result.stopped_by == "time_budget"
    assert result.seconds == 20.0  # a 21st one-second round would have ended at 21 s
    assert sum(look.alpha for look in result.looks) == pytest.approx(0.01)
