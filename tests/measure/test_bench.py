"""A real pytest-benchmark process, set up the way a duet round sets it up."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ciopt.client.interpreter import Client, ProbeReport
from ciopt.executors import open_executor
from ciopt.measure.bench import CPU_TIMER, BenchOptions, run_benchmarks

BENCH = """
def work():
    return sum(i * i for i in range(2000))


def test_work(benchmark):
    assert benchmark(work) > 0
"""


@pytest.mark.skipif(not hasattr(os, "sched_setaffinity"), reason="needs CPU affinity")
def test_a_duet_process_is_pinned_frozen_and_timed_in_cpu_time(
    tmp_path: Path, client_python: str
) -> None:
    (tmp_path / "test_b.py").write_text(BENCH)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    cpu = min(os.sched_getaffinity(0))
    out = tmp_path / "out" / "round.json"
    client = Client(client_python, open_executor("local"), environ={"PATH": os.environ["PATH"]})
    run = run_benchmarks(
        client,
        tmp_path,
        BenchOptions(selectors=("test_b.py",), max_time=0.05),
        out,
        hashseed=7,
        timer=CPU_TIMER,
        CIOPT_PIN_CPU=str(cpu),
        CIOPT_GC_FREEZE="1",
        CIOPT_BARRIER=str(barrier),
        CIOPT_BARRIER_PARTIES="1",
    )
    ((name, stats),) = run.stats.items()
    assert name == "test_b.py::test_work"
    assert 0 < stats.median < 0.05 and stats.rounds >= 5 and stats.iterations >= 1
    assert json.loads(out.read_text())["benchmarks"][0]["options"]["timer"] == "process_time"
    probe = ProbeReport.model_validate_json(out.with_suffix(".probe.json").read_text())
    assert probe.setup["pinned_cpu"] == cpu
    assert probe.setup["gc"]["enabled"] is True
    assert probe.setup["waited_s"] < 5
    assert len(list(barrier.glob("ready-*"))) == 1
