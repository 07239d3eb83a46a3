from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciopt.agent.context import Caller, find_callers, read_line_profile
from ciopt.client.targets import resolve_target

CORE = """\
def helper(items):
    return dedupe(items)


def dedupe(items):
    if len(items) < 2:
        return list(items)
    return dedupe(items[1:])


def later(items):
    first = dedupe(items)
    return dedupe(first)


DEFAULT = dedupe([1, 1])
"""

FILES = {
    "pkg/core.py": CORE,
    "pkg/a_user.py": (
        "from pkg import core\n\n\nclass Cleaner:\n"
        "    def run(self, items):\n        return core.dedupe(items)\n"
    ),
    "pkg/b_broken.py": "def broken(:\n    return dedupe(1)\n",
    "pkg/c_nested.py": (
        "def outer():\n    def inner():\n        return dedupe([])\n    return inner\n"
    ),
    "pkg/d_mention.py": "from pkg.core import dedupe\n\nALIAS = dedupe\nOTHER = dedupe_all([])\n",
    "pkg/test_core.py": "dedupe([])\n",
    "pkg/core_test.py": "dedupe([])\n",
    "pkg/conftest.py": "dedupe([])\n",
    "tests/check.py": "dedupe([])\n",
    "benchmarks/bench.py": "dedupe([])\n",
    ".hidden/h.py": "dedupe([])\n",
    ".venv/lib/v.py": "dedupe([])\n",
    "venv/lib/v.py": "dedupe([])\n",
    "build/lib/b.py": "dedupe([])\n",
    "lib/site-packages/s.py": "dedupe([])\n",
}


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    for rel, text in FILES.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text)
    return tmp_path


def where(callers: list[Caller]) -> list[tuple[str, str, int]]:
    return [(c.path, c.qualname, c.line) for c in callers]


def test_callers_own_file_first_then_by_path(repo: Path) -> None:
    target = resolve_target(repo, "pkg/core.py::dedupe")
    callers = find_callers(repo, target, limit=10)
    assert where(callers) == [
        ("pkg/core.py", "helper", 2),
        ("pkg/core.py", "later", 12),
        ("pkg/core.py", "<module>", 16),
        ("pkg/a_user.py", "Cleaner.run", 6),
        ("pkg/c_nested.py", "outer.<locals>.inner", 3),
    ]
    assert callers[0].text == "def helper(items):\n    return dedupe(items)"
    assert callers[2].text == "DEFAULT = dedupe([1, 1])"
    assert callers[3].text == "    def run(self, items):\n        return core.dedupe(items)"


def test_callers_limit_and_determinism(repo: Path) -> None:
    target = resolve_target(repo, "pkg/core.py::dedupe")
    two = find_callers(repo, target, limit=2)
    assert where(two) == [("pkg/core.py", "helper", 2), ("pkg/core.py", "later", 12)]
    assert find_callers(repo, target, limit=2) == two
    assert find_callers(repo, target, limit=0) == []


def test_callers_of_a_method_by_attribute(repo: Path) -> None:
    target = resolve_target(repo, "pkg/a_user.py::Cleaner.run")
    (repo / "app.py").write_text("def main(c):\n    c.run([])\n")
    assert where(find_callers(repo, target)) == [("app.py", "main", 2)]


def test_long_callers_are_truncated(repo: Path) -> None:
    body = "".join(f"    x{i} = {i}\n" for i in range(200))
    (repo / "long.py").write_text(f"def long():\n{body}    return dedupe([])\n")
    target = resolve_target(repo, "pkg/core.py::dedupe")
    callers = find_callers(repo, target, limit=10, max_chars=250)
    (long,) = [c for c in callers if c.path == "long.py"]
    assert long.line == 202
    assert len(long.text) < 300
    head, marker = long.text.rsplit("\n", 1)
    assert head.startswith("def long():\n    x0 = 0\n")
    assert marker.startswith("# ... [truncated: ")
    assert head.endswith(tuple(f"= {i}" for i in range(200)))  # whole lines only


def test_line_profile_sorted_with_shares_and_source(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src/m.py").write_text("a = 1\n    if a:\nb = 2\n")
    (tmp_path / "outside.py").write_text("secret = 1\n")
    rows = [
        {"file": "src/m.py", "line": 1, "hits": 1, "time_s": 0.1},
        {"file": "src/m.py", "line": 2, "hits": 5, "time_s": 0.6},
        {"file": "src/m.py", "line": 99, "hits": 1, "time_s": 0.05},
        {"file": "../outside.py", "line": 1, "hits": 1, "time_s": 0.05},
        {"file": "src/m.py", "line": 3, "hits": 1, "time_s": 0.005},  # 0.5%: left out
    ]
    out = tmp_path / "p.json"
    out.write_text(json.dumps({"lines": rows, "lines_total_s": 1.0}))
    hot = read_line_profile(out, root)
    assert [(h.file, h.line, h.hits, h.share, h.text) for h in hot] == [
        ("src/m.py", 2, 5, 0.6, "if a:"),
        ("src/m.py", 1, 1, 0.1, "a = 1"),
        ("../outside.py", 1, 1, 0.05, ""),  # outside the root: its text is not read
        ("src/m.py", 99, 1, 0.05, ""),
    ]
    assert all(h.line != 3 for h in hot)
    out.write_text(json.dumps({"lines": rows[:2]}))  # no total: shares of the rows' sum
    assert [round(h.share, 6) for h in read_line_profile(out, root)] == [0.857143, 0.142857]


def test_line_profile_keeps_the_hottest_15(tmp_path: Path) -> None:
    rows = [{"file": "m.py", "line": n, "hits": 1, "time_s": n / 100} for n in range(1, 31)]
    (tmp_path / "p.json").write_text(json.dumps({"lines": rows}))
    hot = read_line_profile(tmp_path / "p.json", tmp_path)
    assert [h.line for h in hot] == list(range(30, 15, -1))


@pytest.mark.parametrize(
    "content",
    [None, "not json", "[]", '{"functions": []}', '{"lines": [{"file": "m.py"}]}'],
)
def test_line_profile_missing_or_malformed(tmp_path: Path, content: str | None) -> None:
    out = tmp_path / "p.json"
    if content is not None:
        out.write_text(content)
    assert read_line_profile(out, tmp_path) == []
