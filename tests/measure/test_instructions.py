"""Instruction counts under valgrind, on a tiny project run by the client's interpreter.

The valgrind runs share one module fixture: each process costs about 18 s of CPU here (pytest's
startup under callgrind), so the counts behind the sensitivity checks are made once, two
processes at a time; that the same code counts the same elsewhere is checked end to end by
``tests/e2e/test_compare.py``. The plugin's API and the error paths are checked without valgrind.
"""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from ciopt.client.interpreter import Client
from ciopt.errors import BaselineError, EnvironmentProblem
from ciopt.measure.instructions import PYTEST_INSTR, InstrRun, count_instructions, read_total
from tests.helpers import local_client, require_command

needs_valgrind = pytest.mark.usefixtures("valgrind")


@pytest.fixture
def valgrind() -> None:
    require_command("valgrind", "valgrind", "instruction counts")


FULL = "tests/test_kit.py::test_full"
SHORT = "tests/test_kit.py::test_short"

KIT = """
def dedupe(words):
    seen = set()
    out = []
    for word in words:
        if word not in seen:
            seen.add(word)
            out.append(word)
    return out


WORDS = [f"w{i}" for i in range(1000)]
"""

TEST_KIT = """
import pytest

from kit import WORDS, dedupe


def test_full(benchmark):
    assert len(benchmark(dedupe, WORDS)) == 1000


@pytest.mark.benchmark(group="kit")
def test_short(benchmark):
    assert len(benchmark(dedupe, WORDS[:800])) == 800  # 20% fewer loop steps


def test_not_a_benchmark():
    raise AssertionError("ciopt_instr must deselect tests without the benchmark fixture")
"""

TEST_API = """
import pytest

made = []


def target(*args, **kwargs):
    made.append((args, kwargs))
    return len(made)


def test_call_passes_args_and_returns_the_result(benchmark):
    assert benchmark(target, 1, 2, c=3) == 3
    assert made == [((1, 2), {"c": 3})] * 3
    made.clear()


def test_pedantic_calls_setup_for_the_arguments(benchmark):
    setups = []

    def setup():
        setups.append(1)
        return (len(setups),), {"k": "v"}

    benchmark.pedantic(target, setup=setup, rounds=100, warmup_rounds=3, iterations=1)
    assert len(setups) == 5
    assert made == [((1,), {"k": "v"}), ((2,), {"k": "v"}), ((3,), {"k": "v"})]
    made.clear()


def test_pedantic_without_setup(benchmark):
    assert benchmark.pedantic(target, args=(7,), kwargs={"x": 1}, rounds=9, iterations=4) == 3
    assert made == [((7,), {"x": 1})] * 3
    made.clear()


@pytest.mark.benchmark(group="g", min_rounds=10)
def test_attributes(benchmark, request):
    benchmark.extra_info["size"] = 3
    assert benchmark.group == "g"
    assert benchmark.name == "test_attributes"
    assert benchmark.fullname == request.node.nodeid
    benchmark(lambda: None)


def test_no_benchmark(tmp_path):
    raise AssertionError("must be deselected")
"""

PYPROJECT = """
[tool.pytest.ini_options]
addopts = "--strict-markers --benchmark-disable --benchmark-min-rounds=5 --benchmark-sort mean"
"""


def _project(root: Path, tests: str = TEST_KIT) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "src" / "kit.py").write_text(KIT)
    (root / "tests" / "test_kit.py").write_text(tests)
    (root / "pyproject.toml").write_text(PYPROJECT)
    return root


def _client(python: str) -> Client:
    return local_client(python, "kit")


@pytest.fixture(scope="module")
def counted(tmp_path_factory: pytest.TempPathFactory, client_python: str) -> InstrRun:
    """Both benchmarks in one checkout. (The same code in another directory counting the same
    is ``tests/e2e/test_compare.py::test_instruction_counts_of_the_same_code_agree``.)"""
    require_command("valgrind", "valgrind", "instruction counts")
    base = tmp_path_factory.mktemp("instr")
    root = _project(base / "base")
    return count_instructions(
        _client(client_python), root, ["tests"], base / "work", calls=10, jobs=2
    )


@needs_valgrind
def test_fewer_loop_steps_count_fewer_instructions(counted: InstrRun) -> None:
    assert 1e5 < counted.per_call[FULL] < 2e6  # a few hundred thousand instructions per call
    assert 0.7 < counted.per_call[SHORT] / counted.per_call[FULL] < 0.9


@needs_valgrind
def test_only_benchmarks_run_and_both_totals_are_kept(counted: InstrRun) -> None:
    one = counted
    assert set(one.per_call) == {FULL, SHORT}  # test_not_a_benchmark would have failed the run
    assert set(one.raw) == {f"{FULL}@1", f"{FULL}@11", f"{SHORT}@1", f"{SHORT}@11"}
    assert one.per_call[FULL] == (one.raw[f"{FULL}@11"] - one.raw[f"{FULL}@1"]) / 10
    assert one.seconds > 0


def test_the_plugin_speaks_the_benchmark_api(tmp_path: Path, client_python: str) -> None:
    root = _project(tmp_path / "p", TEST_API)
    out = tmp_path / "instr.json"
    done = _client(client_python).run(
        root,
        [*PYTEST_INSTR, "tests"],
        timeout=120,
        CIOPT_INSTR_CALLS="3",
        CIOPT_INSTR_SETUPS="5",
        CIOPT_INSTR_OUT=str(out),
    )
    assert done.ok, done.tail(30)
    assert "4 passed, 1 deselected" in done.stdout
    data = json.loads(out.read_text())
    assert data["exitstatus"] == 0
    assert data["benchmarks"] == {
        f"tests/test_kit.py::{name}": 3
        for name in (
            "test_call_passes_args_and_returns_the_result",
            "test_pedantic_calls_setup_for_the_arguments",
            "test_pedantic_without_setup",
            "test_attributes",
        )
    }
    assert all(key == value for key, value in data["selectors"].items())


@needs_valgrind
def test_a_selection_without_benchmarks_is_a_baseline_error(
    tmp_path: Path, client_python: str
) -> None:
    root = _project(tmp_path / "p")
    with pytest.raises(BaselineError, match="selects no benchmark") as info:
        count_instructions(
            _client(client_python), root, ["tests/test_kit.py::test_not_a_benchmark"], tmp_path
        )
    assert info.value.reason == "no_benchmark"


def test_a_failing_benchmark_is_a_baseline_error_with_its_output(
    tmp_path: Path, client_python: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stand-in ``valgrind`` that just runs the command keeps this fast and valgrind-free."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "valgrind"
    fake.write_text(
        '#!/bin/sh\nwhile [ "${1#-}" != "$1" ]; do [ "$1" = --version ] && exit 0; shift; done\n'
        'exec "$@"\n'
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    root = _project(tmp_path / "p", TEST_KIT.replace("== 800", "== 799"))
    with pytest.raises(BaselineError, match=f"counting instructions of {SHORT} failed") as info:
        count_instructions(_client(client_python), root, [SHORT], tmp_path / "work", jobs=2)
    assert "assert 800 == 799" in str(info.value)
    assert info.value.reason == "baseline_failed"


def test_missing_valgrind_is_an_environment_problem(
    tmp_path: Path, client_python: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EnvironmentProblem, match=r"apt-get install valgrind.*--measure walltime"):
        count_instructions(_client(client_python), tmp_path, ["tests"], tmp_path / "work")


def test_an_interpreter_behind_a_shim_is_refused(tmp_path: Path, client_python: str) -> None:
    shim = tmp_path / "python3"
    shim.write_text(f'#!/bin/sh\nexec {client_python} "$@"\n')
    shim.chmod(shim.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(EnvironmentProblem, match="is a script") as info:
        count_instructions(_client(str(shim)), tmp_path, ["tests"], tmp_path / "work")
    assert f"pass --python {client_python}" in str(info.value)


def test_read_total_takes_the_first_number_of_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "callgrind.out"
    out.write_text("desc: I1 cache:\ncmd: python\nevents: Ir\nfl=x.c\n1 5\nsummary: 1234 5\n")
    assert read_total(out) == 1234
    out.write_text("events: Ir\ntotals: 99\n")
    assert read_total(out) == 99
    out.write_text("events: Ir\n")
    assert read_total(out) is None
    assert read_total(tmp_path / "missing") is None
