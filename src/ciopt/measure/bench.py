"""Driving pytest-benchmark in the client's interpreter and reading its JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ciopt.client import Client, cannot_import, import_errors
from ciopt.errors import BaselineError
from ciopt.executors import Command
from ciopt.proc import Completed

__all__ = [
    "BenchOptions",
    "BenchRun",
    "BenchStats",
    "bench_command",
    "read_benchmarks",
    "run_benchmarks",
]

CPU_TIMER = "time.process_time"


@dataclass(frozen=True)
class BenchOptions:
    selectors: tuple[str, ...]
    max_time: float = 0.25
    min_rounds: int = 5
    timeout: float = 900.0


@dataclass(frozen=True)
class BenchStats:
    """One benchmark in one process, from pytest-benchmark's JSON (seconds per call)."""

    median: float
    mean: float
    stddev: float
    min: float
    rounds: int
    iterations: int

    @property
    def round_seconds(self) -> float:
        """How long one pytest-benchmark round (``iterations`` calls) takes."""
        return self.median * self.iterations

    @property
    def cv(self) -> float:
        return self.stddev / self.mean if self.mean > 0 else 0.0


@dataclass(frozen=True)
class BenchRun:
    stats: dict[str, BenchStats]  # benchmark full name -> its figures
    seconds: float  # wall time of the whole process

    @property
    def medians(self) -> dict[str, float]:
        return {name: s.median for name, s in self.stats.items()}


def run_benchmarks(
    client: Client,
    root: Path,
    options: BenchOptions,
    json_out: Path,
    *,
    hashseed: int,
    timer: str | None = None,
    who: str = "baseline",
    **env: str,
) -> BenchRun:
    """One fresh process running the selected benchmarks; raises when it fails or selects none.

    ``timer`` is pytest-benchmark's ``--benchmark-timer`` (``CPU_TIMER`` for duet rounds);
    ``who`` names the side in errors (baseline, head); ``env`` reaches the process (and the
    probe plugin: CPU pinning, the start barrier).
    """
    job = bench_command(client, root, options, json_out, hashseed=hashseed, timer=timer, **env)
    done = client.execute(job, timeout=options.timeout)
    return read_benchmarks(client, root, options, json_out, done, who=who)


def bench_command(
    client: Client,
    root: Path,
    options: BenchOptions,
    json_out: Path,
    *,
    hashseed: int,
    timer: str | None = None,
    **env: str,
) -> Command:
    """The pytest-benchmark process of ``run_benchmarks``, to run alone or with another."""
    json_out.parent.mkdir(parents=True, exist_ok=True)
    args = [
        *options.selectors,
        "--benchmark-only",
        f"--benchmark-json={json_out}",
        f"--benchmark-max-time={options.max_time}",
        f"--benchmark-min-rounds={options.min_rounds}",
        "--benchmark-sort=fullname",
        *([f"--benchmark-timer={timer}"] if timer else []),
    ]
    return client.pytest_command(
        root, args, probe_out=_probe_out(json_out), PYTHONHASHSEED=str(hashseed), **env
    )


def read_benchmarks(
    client: Client,
    root: Path,
    options: BenchOptions,
    json_out: Path,
    done: Completed,
    *,
    who: str = "baseline",
) -> BenchRun:
    """The figures a finished ``bench_command`` wrote; raises when it failed or selected none
    (first of all when ``who``, the side, cannot import the modules the probe was asked about)."""
    probe_out = _probe_out(json_out)
    report = client.probe(root, done, probe_out)
    if client.ledger is not None:  # the process wrote them into the output folder
        sizes = (p.stat().st_size for p in (json_out, probe_out) if p.is_file())
        client.ledger.charge(output_bytes=sum(sizes))
    if not done.ok and (errors := import_errors(report)):
        raise cannot_import(errors, who)
    selection = " ".join(options.selectors)
    if done.returncode == 5 or (done.ok and not json_out.is_file()):
        raise _selects_nothing(selection)
    if not done.ok:
        raise BaselineError(f"the benchmark run failed ({done.describe()}): {done.tail(6)}")
    benches = json.loads(json_out.read_text()).get("benchmarks", [])
    if not benches:
        raise _selects_nothing(selection)
    return BenchRun({b["fullname"]: _stats(b) for b in benches}, done.seconds)


def _probe_out(json_out: Path) -> Path:
    return json_out.with_suffix(".probe.json")


def _stats(bench: dict[str, Any]) -> BenchStats:
    s = bench["stats"]
    return BenchStats(
        median=float(s["median"]),
        mean=float(s.get("mean", s["median"])),
        stddev=float(s.get("stddev", 0.0)),
        min=float(s.get("min", s["median"])),
        rounds=int(s["rounds"]),
        iterations=int(s.get("iterations", 1)),
    )


def _selects_nothing(selection: str) -> BaselineError:
    return BaselineError(
        f"bench={selection} selects no benchmark; name a file or test that uses the "
        "pytest-benchmark `benchmark` fixture",
        reason="no_benchmark",
    )
