"""A tiny task corpus for the eval's tests, written where a test wants it.

Two tasks in the corpus layout (``task.toml``, ``project/``, ``reference.py``, ``trap.py``):
``dedupe`` (a quadratic dedupe, its trap a sorted set) and ``common`` (membership tests against a
list). Their projects are written from the strings below rather than kept as files, so that
neither this repository's pytest nor its linters take them for its own code.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["TASKS", "write_corpus"]

PYPROJECT = """\
[project]
name = "{package}"
version = "0.1.0"
requires-python = ">=3.11"

[tool.pytest.ini_options]
testpaths = ["tests", "benchmarks"]

# quicker than ciopt's defaults, for tests: shorter benchmark rounds, fewer generated inputs
[tool.ciopt]
bench_max_time = 0.1
generated_examples = 10
"""

DEDUPE = {
    "task.toml": """\
name = "dedupe"
split = "train"
kind = "algorithm"
slow = "Each item is looked for in the output list, a linear scan per item."
target = "src/tinyd/core.py::dedupe"
bench = "benchmarks/test_bench_core.py"
reference_ratio = 0.05
trap = "order"
trap_caught_by = "tests"
""",
    "project/src/tinyd/__init__.py": "from tinyd.core import dedupe\n",
    "project/src/tinyd/core.py": '''\
"""Removing repeats."""

from __future__ import annotations


def dedupe(items: list[str]) -> list[str]:
    """*items* without repeats, in the order of first occurrence."""
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
''',
    "project/tests/test_core.py": """\
from tinyd import dedupe


def test_order_of_first_occurrence() -> None:
    assert dedupe(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_empty_and_single() -> None:
    assert dedupe([]) == []
    assert dedupe(["x"]) == ["x"]


def test_no_repeats_is_identity() -> None:
    assert dedupe(["z", "y", "x", "w"]) == ["z", "y", "x", "w"]


def test_all_the_same() -> None:
    assert dedupe(["q"] * 5) == ["q"]
""",
    "project/benchmarks/test_bench_core.py": """\
from tinyd import dedupe

WORDS = [f"w{i * 7 % 400}" for i in range(1200)]


def test_dedupe(benchmark) -> None:
    assert len(benchmark(dedupe, WORDS)) == 400
""",
    "reference.py": '''\
def dedupe(items: list[str]) -> list[str]:
    """*items* without repeats, in the order of first occurrence."""
    return list(dict.fromkeys(items))
''',
    "trap.py": '''\
def dedupe(items: list[str]) -> list[str]:
    """*items* without repeats, in the order of first occurrence."""
    return sorted(set(items))
''',
}

COMMON = {
    "task.toml": """\
name = "common"
split = "holdout"
kind = "data-structure"
target = "src/tinyc/core.py::count_common"
bench = "benchmarks/test_bench_core.py"
reference_ratio = 0.02
""",
    "project/src/tinyc/__init__.py": "from tinyc.core import count_common\n",
    "project/src/tinyc/core.py": '''\
"""Counting what two lists share."""

from __future__ import annotations


def count_common(a: list[int], b: list[int]) -> int:
    """How many items of *a* are in *b*."""
    return sum(1 for x in a if x in b)
''',
    "project/tests/test_core.py": """\
from tinyc import count_common


def test_some_shared() -> None:
    assert count_common([1, 2, 3, 4], [3, 4, 5]) == 2


def test_repeats_count_each_time() -> None:
    assert count_common([7, 7, 7], [7]) == 3


def test_empty() -> None:
    assert count_common([], [1]) == 0
    assert count_common([1], []) == 0


def test_nothing_shared() -> None:
    assert count_common([1, 2], [3, 4]) == 0
""",
    "project/benchmarks/test_bench_core.py": """\
from tinyc import count_common

A = list(range(1500))
B = list(range(750, 2250))


def test_count_common(benchmark) -> None:
    assert benchmark(count_common, A, B) == 750
""",
    "reference.py": '''\
def count_common(a: list[int], b: list[int]) -> int:
    """How many items of *a* are in *b*."""
    present = set(b)
    return sum(1 for x in a if x in present)
''',
}

TASKS = {"dedupe": DEDUPE, "common": COMMON}


def write_corpus(root: Path, *names: str) -> Path:
    """The tasks ``names`` (default: all) written under ``root``; ``root``."""
    for name in names or tuple(TASKS):
        package = "tinyd" if name == "dedupe" else "tinyc"
        files = {**TASKS[name], "project/pyproject.toml": PYPROJECT.format(package=package)}
        for rel, text in files.items():
            path = root / name / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
    return root
