"""Driving pytest-benchmark in the client's interpreter and reading its JSON."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ciopt.client import Client
from ciopt.errors import BaselineError

__all__ = ["BenchOptions", "BenchRun", "run_benchmarks"]


@dataclass(frozen=True)
class BenchOptions:
    selectors: tuple[str, ...]
    max_time: float = 0.25
    min_rounds: int = 5
    timeout: float = 900.0


@dataclass(frozen=True)
class BenchRun:
    medians: dict[str, float]  # benchmark full name -> median seconds per call
    rounds: dict[str, int]
    seconds: float  # wall time of the whole process


def run_benchmarks(
    client: Client, root: Path, options: BenchOptions, json_out: Path, *, hashseed: int
) -> BenchRun:
    """One fresh process running the selected benchmarks; raises when it fails or selects none."""
    json_out.parent.mkdir(parents=True, exist_ok=True)
    args = [
        *options.selectors,
        "--benchmark-only",
        f"--benchmark-json={json_out}",
        f"--benchmark-max-time={options.max_time}",
        f"--benchmark-min-rounds={options.min_rounds}",
        "--benchmark-sort=fullname",
    ]
    done, _ = client.pytest(
        root,
        args,
        probe_out=json_out.with_suffix(".probe.json"),
        timeout=options.timeout,
        PYTHONHASHSEED=str(hashseed),
    )
    selection = " ".join(options.selectors)
    if done.returncode == 5 or (done.ok and not json_out.is_file()):
        raise BaselineError(
            f"bench={selection} selects no benchmark; name a file or test that uses the "
            "pytest-benchmark `benchmark` fixture",
            reason="no_benchmark",
        )
    if not done.ok:
        raise BaselineError(f"the benchmark run failed ({done.describe()}): {done.tail(6)}")
    data = json.loads(json_out.read_text())
    benches = data.get("benchmarks", [])
    if not benches:
        raise BaselineError(
            f"bench={selection} selects no benchmark; name a file or test that uses the "
            "pytest-benchmark `benchmark` fixture",
            reason="no_benchmark",
        )
    medians = {b["fullname"]: float(b["stats"]["median"]) for b in benches}
    rounds = {b["fullname"]: int(b["stats"]["rounds"]) for b in benches}
    return BenchRun(medians, rounds, done.seconds)
