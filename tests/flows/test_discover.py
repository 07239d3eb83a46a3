"""``flows.discover``: the benchmarks profiled once, the project's functions ranked."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from ciopt.errors import BaselineError
from ciopt.flows import Session, discover
from ciopt.git import Git
from ciopt.verdict import Discovery
from tests.helpers import git

# the example's four slow spots (examples/textkit/README.md)
SLOW = {
    "src/textkit/tokens.py::dedupe",
    "src/textkit/patterns.py::count_keywords",
    "src/textkit/render.py::render_table",
    "src/textkit/stats.py::normalize",
}


def _discover(repo: Path, python: str, out: Path, bench: list[str], top: int = 4) -> Discovery:
    with Session(
        "discover", repo, {"PATH": os.environ["PATH"]}, python=python, out=out, executor="local"
    ) as session:
        return discover(session, Git.open(repo), bench=bench, top=top)


def test_the_example_s_four_slow_spots_come_first(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    found = _discover(example_repo, client_python, out, ["benchmarks/"])
    assert set(found.targets) == SLOW
    assert found.targets == [row.target for row in found.rows[:4]]  # ranked, the best first
    assert found.tests == 4 and found.bench_s > 0
    assert found.base == git(example_repo, "rev-parse", "HEAD")
    for row in found.rows:
        assert 0 < row.own_share <= row.cum_share <= 1
        assert row.self_s <= row.own_s <= row.cum_s
    # the benchmark functions' own time (fixtures, asserts) is in the benchmark time alone
    assert sum(row.own_share for row in found.rows) < 1
    assert Discovery.model_validate_json((out / "discovery.json").read_text()) == found
    events = [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
    [event] = [e for e in events if e.get("name") == "discovery"]
    assert event["attrs"]["targets"] == found.targets


HOT_LIB = """\
def spin(n):
    total = 0
    for i in range(n):
        total += i * i
    return total
"""

CORE = """\
import hotlib


def work(n):
    return hotlib.spin(n) + light(n)


def light(n):
    return n + 1
"""

HELPERS = """\
def slow_helper(n):
    return sum(i * i for i in range(n))
"""

CONFTEST = """\
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / "tests"))
sys.path.insert(0, str(pathlib.Path(__file__).parents[1] / SITE))


def warm(n):
    return [i for i in range(n)]
"""

BENCH = """\
from conftest import warm
from helpers import slow_helper

from app.core import work


def _setup(n):
    out = 0
    for i in range(n):
        out ^= i
    return out


def test_work(benchmark):
    slow_helper(100_000)
    warm(100_000)
    _setup(100_000)
    assert benchmark(work, 200_000) > 0
"""

SITE = ".venv/lib/python3.11/site-packages"


def _project(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "project")
    return root


def test_tests_benchmarks_and_installed_code_are_never_targets(
    tmp_path: Path, client_python: str
) -> None:
    """A hot function of a virtualenv inside the repository, of the tests, the benchmarks or
    their conftest is no target; the time of a library the project calls is its own."""
    repo = _project(
        tmp_path / "repo",
        {
            "src/app/__init__.py": "",
            "src/app/core.py": CORE,
            f"{SITE}/hotlib.py": HOT_LIB,
            "tests/helpers.py": HELPERS,
            "benchmarks/conftest.py": CONFTEST.replace("SITE", repr(SITE)),
            "benchmarks/test_bench_app.py": BENCH,
        },
    )
    found = _discover(repo, client_python, tmp_path / "out", ["benchmarks"])
    assert found.targets[0] == "src/app/core.py::work"
    assert all(row.target.startswith("src/app/core.py::") for row in found.rows)
    work = found.rows[0]
    assert work.own_s > 10 * work.self_s  # hotlib.spin's time is work's own
    # the helpers the benchmark called count in the benchmark time, in no row
    assert sum(row.own_share for row in found.rows) < 0.95


def test_failing_benchmarks_are_one_line_that_says_what_to_do(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    bench = example_repo / "benchmarks" / "test_bench_stats.py"
    bench.write_text(bench.read_text().replace("== 1.0", "== 2.0"))
    git(example_repo, "commit", "-qam", "break a benchmark")
    with pytest.raises(BaselineError, match="the benchmarks fail") as caught:
        _discover(example_repo, client_python, tmp_path / "out", ["benchmarks/"])
    assert caught.value.reason == "benchmarks_failed"
    assert "test_bench_stats.py::test_normalize_values" in str(caught.value)
    assert "\n" not in str(caught.value)


def test_benchmarks_of_no_project_code_find_nothing_hot(tmp_path: Path, client_python: str) -> None:
    repo = _project(
        tmp_path / "repo",
        {
            "src/app/__init__.py": "",
            "benchmarks/test_bench_sort.py": (
                "def test_sort(benchmark):\n    benchmark(sorted, list(range(50_000, 0, -1)))\n"
            ),
        },
    )
    with pytest.raises(BaselineError, match="none of the project's own code is hot") as caught:
        _discover(repo, client_python, tmp_path / "out", ["benchmarks"])
    assert caught.value.reason == "nothing_hot" and "\n" not in str(caught.value)
