"""``measure_sides``: what a measurement leaves in the trace, for the page's figures to draw."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from ciopt.budget import Ledger
from ciopt.client import Sides
from ciopt.client.interpreter import Client
from ciopt.config import Limits
from ciopt.measure import BenchOptions, Design, measure_sides
from ciopt.trace import Tracer, read_trace
from tests.measure.test_experiment import FakeBenchExecutor, FakeClock


def test_each_round_and_look_is_traced_with_its_ratio(tmp_path: Path) -> None:
    for side in ("base", "head"):
        (tmp_path / side).mkdir()
    times = {  # the request names b.py::f: the overall ratio is f's alone
        "base": {"b.py::f": 1e-3, "b.py::g": 1e-3},
        "head": {"b.py::f": 0.5e-3, "b.py::g": 2e-3},
    }
    executor = FakeBenchExecutor(times, FakeClock(), noise=0.05)
    tracer = Tracer(tmp_path / "trace.jsonl")
    comparison = measure_sides(
        Client("python", executor, environ={}),
        Sides("a" * 40, "b" * 40, tmp_path / "base", tmp_path / "head"),
        BenchOptions(selectors=("b.py",)),
        Design(time_budget=20.0, primary=("b.py::f",), min_effect=0.03),
        measure="walltime",
        ledger=Ledger(Limits()),
        tracer=tracer,
        bench_dir=tmp_path / "bench",
        candidate=3,
    )
    tracer.close()
    (measured,) = read_trace(tmp_path / "trace.jsonl").measures
    assert measured.label == "candidate 3" and measured.verdict == comparison.verdict == "faster"
    assert measured.min_effect == 0.03
    samples = comparison.samples
    assert len(measured.rounds) == comparison.overall.estimate.rounds
    expected = [
        h / b for b, h in zip(samples.base["b.py::f"], samples.head["b.py::f"], strict=True)
    ]
    assert measured.rounds == pytest.approx(expected)  # f's, not the geometric mean with g
    assert [k.rounds for k in measured.looks] == [k.rounds for k in comparison.looks]
    last = measured.looks[-1]
    assert last.ratio == pytest.approx(comparison.overall.ratio)
    assert last.ci == pytest.approx(comparison.overall.ci)
    assert all(
        k.ci is not None and k.ci[0] <= (k.ratio or math.nan) <= k.ci[1] for k in measured.looks
    )


def test_each_look_is_an_event_as_it_is_made(tmp_path: Path) -> None:
    """``measure.look``: the progress display shows the interval so far at each look, before
    the measurement ends."""
    for side in ("base", "head"):
        (tmp_path / side).mkdir()
    times = {"base": {"b.py::f": 1e-3}, "head": {"b.py::f": 0.97e-3}}
    seen: list[dict[str, object]] = []
    tracer = Tracer(tmp_path / "trace.jsonl", listeners=[seen.append])
    comparison = measure_sides(
        Client("python", FakeBenchExecutor(times, FakeClock(), noise=0.05), environ={}),
        Sides("a" * 40, "b" * 40, tmp_path / "base", tmp_path / "head"),
        BenchOptions(selectors=("b.py",)),
        Design(time_budget=20.0),
        measure="walltime",
        ledger=Ledger(Limits()),
        tracer=tracer,
        bench_dir=tmp_path / "bench",
    )
    tracer.close()
    names = [r.get("name") for r in seen]
    looks = [r["attrs"] for r in seen if r.get("name") == "measure.look"]
    assert len(comparison.looks) > 1  # not decided at the first look
    assert looks == [look.model_dump(mode="json") for look in comparison.looks]
    assert names.index("measure.look") > names.index("measure.round")
    assert names[-1] == "measure"  # the span ends after its last look
