"""The A/B experiment: rounds of fresh processes, looked at on a fixed plan, until decided.

Both sides are prepared once (their worktrees). Each round starts a fresh pytest-benchmark
process per side with one ``PYTHONHASHSEED`` for both (a new one every round), in random order.

Pairing. ``duet`` (the default) starts both processes together (the executor's
``run_together``: threads locally, one container in Dagger), pins them to the same randomly
chosen CPU once collection is done, lets them start their benchmarks together, and times with
CPU time (``time.process_time``): the two sides then take turns on one CPU, millisecond by
millisecond, and see the same host. ``sequential`` runs one after the other and times wall
clock: needed for benchmarks that wait (I/O, sleeps, threads), noisier on a shared machine.

Length. The interval is looked at when a fixed share of the time budget has passed
(``LOOKS``) and the error rate is spent across the looks with a Lan-DeMets power function
(``alpha * t**RHO``). Each look tests at its own share, so by the union bound the chance that
any look claims a change that is not there stays below ``alpha``. The experiment stops at the
first look that decides, else when the time budget or ``max_rounds`` runs out.
"""

from __future__ import annotations

import os
import random
import tempfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ciopt.budget import Ledger
from ciopt.client import Client
from ciopt.errors import BudgetExhausted
from ciopt.measure import machine
from ciopt.measure.analysis import BenchmarkResult, Samples, analyse, round_ratio
from ciopt.measure.bench import (
    CPU_TIMER,
    BenchOptions,
    BenchRun,
    BenchStats,
    bench_command,
    read_benchmarks,
    run_benchmarks,
)
from ciopt.measure.warnings import warnings_for
from ciopt.verdict import Look

__all__ = ["LOOKS", "Comparison", "Design", "Look", "run_experiment"]

LOOKS = (0.1, 0.25, 0.5, 1.0)
RHO = 2.0
MIN_ROUNDS = 3
PAIRINGS = ("duet", "sequential")
WHO = {"base": "baseline", "head": "head"}  # the sides, as errors and warnings name them


@dataclass(frozen=True)
class Design:
    confidence: float = 0.99
    min_effect: float = 0.02
    time_budget: float = 60.0  # seconds of measurement (rounds), preparation not included
    max_rounds: int = 200
    pairing: str = "duet"
    seed: int = 0
    primary: tuple[str, ...] = ()  # the benchmarks the overall verdict comes from
    floors: Mapping[str, float] = field(default_factory=dict)  # noise floors (calibration)
    early_stop: bool = True  # False: one look, at the end (calibration)

    @property
    def alpha(self) -> float:
        return 1 - self.confidence

    def spent(self, fraction: float) -> float:
        """Error rate spent once ``fraction`` of the budget is used."""
        return float(self.alpha * min(1.0, fraction) ** RHO)


@dataclass(frozen=True)
class Comparison:
    benchmarks: list[BenchmarkResult]
    overall: BenchmarkResult
    confidence: float  # the level of the reported intervals (the deciding look's)
    stopped_by: str  # decided, time_budget, max_rounds, or a budget limit
    looks: list[Look]
    warnings: list[str]
    pairing: str
    seconds: float
    samples: Samples

    @property
    def verdict(self) -> str:
        return self.overall.verdict


def run_experiment(
    client: Client,
    base_root: Path,
    head_root: Path,
    options: BenchOptions,
    design: Design,
    *,
    ledger: Ledger,
    bench_dir: Path,
    on_round: Callable[[int, dict[str, float], float | None], None] | None = None,
    on_look: Callable[[Look], None] | None = None,
    clock: Callable[[], float] = time.monotonic,
    names: Mapping[str, str] = WHO,
) -> Comparison:
    """``names``: what errors and warnings call each side (``WHO``; an A/A calibration's head is
    the baseline too). ``on_round``: called after each round with its index, every median
    (``side:benchmark``) and the round's ratio as the overall verdict sees it. ``on_look``: called
    with each look as it is made (the interval so far), before the experiment stops on it."""
    rng = random.Random(design.seed)  # noqa: S311 - experiment design, not cryptography
    roots = {"base": base_root, "head": head_root}
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    samples = Samples()
    figures: dict[str, dict[str, list[BenchStats]]] = {}  # side's name -> benchmark -> runs
    looks: list[Look] = []
    spent, next_look, limit = 0.0, 0, None
    start, load_start = clock(), machine.sample()
    while True:
        try:
            ledger.ensure("bench_seconds", "subprocess_calls", need=2)  # a round: both sides
        except BudgetExhausted as exc:
            if len(looks) == 0 and _rounds(samples) < 2:
                raise
            limit = exc.limit
        if limit is None:
            index = _rounds(samples)
            began = clock()
            runs = _round(
                client, roots, options, design.pairing, rng, cpus, bench_dir, index, names
            )
            ledger.charge(bench_seconds=clock() - began)
            for side, run in runs.items():
                samples.add(side, run.medians)
                for name, figure in run.stats.items():
                    figures.setdefault(names[side], {}).setdefault(name, []).append(figure)
            if on_round is not None:
                on_round(
                    index,
                    {f"{s}:{k}": v for s, r in runs.items() for k, v in r.medians.items()},
                    round_ratio(runs["base"].medians, runs["head"].medians, design.primary),
                )
        n = _rounds(samples)
        elapsed = clock() - start
        fraction = max(elapsed / design.time_budget, n / design.max_rounds)
        # the last look comes when the budget is used, or when one more round would overrun it
        overrun = n > 0 and elapsed + elapsed / n > design.time_budget
        final = limit is not None or fraction >= 1 or overrun
        due = design.early_stop and next_look < len(LOOKS) and fraction >= LOOKS[next_look]
        if not (final or due) or (n < MIN_ROUNDS and not final):
            continue
        while next_look < len(LOOKS) and fraction >= LOOKS[next_look]:
            next_look += 1
        alpha = design.alpha - spent if final else design.spent(LOOKS[next_look - 1]) - spent
        results, overall = analyse(
            samples,
            alpha=alpha,
            min_effect=design.min_effect,
            primary=design.primary,
            floors=design.floors,
        )
        spent += alpha
        looks.append(
            Look(
                fraction=round(fraction, 3),
                rounds=n,
                alpha=alpha,
                verdict=overall.verdict,
                ratio=overall.ratio,
                ci=overall.ci,
            )
        )
        if on_look is not None:
            on_look(looks[-1])
        if overall.verdict != "inconclusive" or final:
            stopped_by = "decided" if overall.verdict != "inconclusive" else limit
            if stopped_by is None:
                stopped_by = "time_budget" if n < design.max_rounds else "max_rounds"
            load = machine.load_between(load_start, machine.sample())
            return Comparison(
                benchmarks=results,
                overall=overall,
                confidence=1 - alpha,
                stopped_by=stopped_by,
                looks=looks,
                warnings=warnings_for(figures, samples.logs(), load),
                pairing=design.pairing,
                seconds=clock() - start,
                samples=samples,
            )


def _rounds(samples: Samples) -> int:
    return min((len(v) for v in samples.head.values()), default=0)


def _round(
    client: Client,
    roots: Mapping[str, Path],
    options: BenchOptions,
    pairing: str,
    rng: random.Random,
    cpus: list[int],
    bench_dir: Path,
    index: int,
    names: Mapping[str, str],
) -> dict[str, BenchRun]:
    """One round: both sides once, in random order, sharing one hash seed."""
    hashseed = rng.randrange(1, 2**32 - 1)
    order = ["base", "head"]
    rng.shuffle(order)
    outs = {side: bench_dir / f"round-{index:03d}-{side}.json" for side in order}
    if pairing == "sequential":
        return {
            side: run_benchmarks(
                client,
                roots[side],
                options,
                outs[side],
                hashseed=hashseed,
                who=names[side],
                CIOPT_GC_FREEZE="1",
            )
            for side in order
        }
    env = {"CIOPT_GC_FREEZE": "1", "CIOPT_BARRIER_PARTIES": "2"}
    if cpus:
        env["CIOPT_PIN_CPU"] = str(rng.choice(cpus))
    bench_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="barrier-", dir=bench_dir) as barrier:
        jobs = [  # the first side starts first
            bench_command(
                client,
                roots[side],
                options,
                outs[side],
                hashseed=hashseed,
                timer=CPU_TIMER,
                CIOPT_BARRIER=barrier,
                **env,
            )
            for side in order
        ]
        done = dict(zip(order, client.run_together(jobs, timeout=options.timeout), strict=True))
    return {
        side: read_benchmarks(client, roots[side], options, outs[side], done[side], who=names[side])
        for side in ("base", "head")
    }
