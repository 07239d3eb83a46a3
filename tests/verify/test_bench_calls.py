"""The benchmark's own calls are recorded and replayed, wherever the benchmarks live.

``tally`` is built as toolz is: no type hints, ``testpaths = ["tests"]``, and a benchmark in
``benchmarks/`` (outside the test paths) that calls ``frequencies`` on 5,000 tokens, an input the
tests never use. With generated inputs off, only the benchmark's recorded call can tell an edit
that is wrong on long inputs from a genuine one.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ciopt.config import Settings
from ciopt.git import Git
from ciopt.trace import Tracer
from ciopt.verdict import Correctness
from ciopt.verify import Rejection, Scope, Verifier, recording_selectors, replay_options
from ciopt.verify.parity import TestRun
from tests.helpers import git, local_client

CORE = """
def frequencies(seq):
    counts = {}
    for item in seq:
        counts[item] = counts.get(item, 0) + 1
    return counts


def first(seq):
    return seq[0]
"""

TESTS = """
from tally import first, frequencies


def test_frequencies():
    assert frequencies(["a", "b", "a"]) == {"a": 2, "b": 1}
    assert frequencies([]) == {}
    assert frequencies(["x"]) == {"x": 1}
    assert frequencies([1, 1, 1]) == {1: 3}
    assert frequencies("abca") == {"a": 2, "b": 1, "c": 1}


def test_first():
    assert first([3, 4]) == 3
    assert first("ab") == "a"
    assert first((9,)) == 9
    assert first([[1], [2]]) == [1]
    assert first(["z", "y"]) == "z"
"""

BENCH = """
from tally import frequencies

TOKENS = [f"w{i % 300}" for i in range(5000)]


def test_frequencies(benchmark):
    assert len(benchmark(frequencies, TOKENS)) == 300
"""

WRONG = """
import collections


def frequencies(seq):
    return dict(collections.Counter(seq[:4096]))  # wrong past 4,096 items: the tests never see it


def first(seq):
    return seq[0]
"""

RIGHT = WRONG.replace("seq[:4096]", "seq").replace("  # wrong past", "  # was: wrong past")

ELSEWHERE = CORE.replace("return seq[0]", "for item in seq:\n        return item")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tally") / "repo"
    for rel, text in {
        "pyproject.toml": '[tool.pytest.ini_options]\ntestpaths = ["tests"]\n',
        "src/tally/__init__.py": "from tally.core import first, frequencies\n",
        "src/tally/core.py": CORE,
        "tests/test_core.py": TESTS,
        "benchmarks/test_bench.py": BENCH,
    }.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    return root


@pytest.fixture(scope="module")
def verifier(project: Path, client_python: str) -> Iterator[Verifier]:
    settings = Settings.model_construct(generated_examples=0)  # only recorded calls count
    tracer = Tracer(project.parent / "trace.jsonl")
    verifier = Verifier(
        local_client(client_python, "tally"),
        project,
        Scope(tests=(), bench=("benchmarks",), allowed=("src/tally/core.py",)),
        replay_options(settings),
        tracer=tracer,
        work=project.parent / "work",
        test_timeout=120,
    )
    verifier.baseline(["src/tally/core.py"])
    yield verifier
    tracer.close()


def verify(
    project: Path, verifier: Verifier, name: str, core: str
) -> tuple[Correctness, Rejection | None]:
    """Judge a copy of the project whose ``core.py`` is ``core``, committed, as a candidate."""
    root = project.parent / name
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(project, root)
    (root / "src" / "tally" / "core.py").write_text(core)
    git(root, "commit", "-qam", name)
    return verifier.verify(Git(root), git(root, "rev-parse", "HEAD~1"), "HEAD", root, side=name)


def test_the_benchmark_outside_the_test_paths_is_recorded(verifier: Verifier) -> None:
    recorded = verifier.replayer.recorded["tally.core:frequencies"]
    bench = [call for call in recorded.calls if call.get("bench")]
    assert len(bench) == 1  # the 5,000 tokens
    assert bench[0]["repr"].startswith("(['w0', 'w1',")
    assert len(recorded.calls) == 6  # and the five of the tests


def test_an_edit_wrong_only_on_the_benchmarks_input_is_rejected(
    project: Path, verifier: Verifier
) -> None:
    correctness, rejection = verify(project, verifier, "wrong", WRONG)
    assert rejection is not None and rejection.reason == "behavior_changed"
    assert correctness.differential is not None
    assert correctness.differential.calls_equal == 5  # every call of the tests agrees
    assert "(['w0', 'w1'," in rejection.message


def test_a_genuine_edit_is_proven_on_the_benchmarks_input(
    project: Path, verifier: Verifier
) -> None:
    correctness, rejection = verify(project, verifier, "right", RIGHT)
    assert rejection is None
    assert correctness.differential is not None
    evidence = correctness.differential.targets[0]
    assert (evidence.recorded_bench, evidence.bench_equal, evidence.calls_equal) == (1, 1, 6)
    assert correctness.differential.bench_equal == 1
    assert correctness.confidence == "high", correctness.low_confidence


def test_a_change_the_benchmark_never_reaches_is_low_confidence(
    project: Path, verifier: Verifier
) -> None:
    correctness, rejection = verify(project, verifier, "elsewhere", ELSEWHERE)
    assert rejection is None
    assert correctness.confidence == "low"
    assert correctness.low_confidence == [
        "src/tally/core.py::first: the benchmark never called it (through a call the recorder "
        "sees), so the speedup is not proven on the benchmark's own inputs"
    ]


def _ran(*collected: str) -> TestRun:
    return TestRun(exitstatus=0, outcomes={}, seconds=0, collected_from=list(collected))


@pytest.mark.parametrize(
    ("tests", "bench", "collected", "expected"),
    [
        # pytest's default collection (no testpaths) already runs the benchmarks
        ((), ("benchmarks",), (".",), ()),
        # testpaths leave the benchmarks out: run both
        ((), ("benchmarks",), ("tests",), ("tests", "benchmarks")),
        (
            (),
            ("benchmarks/test_b.py::test_x",),
            ("tests",),
            ("tests", "benchmarks/test_b.py::test_x"),
        ),
        ((), ("tests/bench",), ("tests",), ()),
        # selected tests: the benchmarks not among them are added
        (("tests/test_a.py",), ("benchmarks",), (), ("tests/test_a.py", "benchmarks")),
        (("tests",), ("tests/bench/test_b.py",), (), ("tests",)),
        (
            ("tests/test_a.py::test_x",),
            ("tests/test_a.py",),
            (),
            ("tests/test_a.py::test_x", "tests/test_a.py"),
        ),
    ],
)
def test_what_the_recording_runs(
    tests: tuple[str, ...],
    bench: tuple[str, ...],
    collected: tuple[str, ...],
    expected: tuple[str, ...],
) -> None:
    scope = Scope(tests=tests, bench=bench, allowed=("*",))
    assert recording_selectors(scope, _ran(*collected)) == expected
