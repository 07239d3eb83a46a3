from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ciopt.agent.context import read_line_profile
from ciopt.inject import INJECT_DIR
from ciopt.inject.ciopt_profile import USAGE, own_file, parse, split_mode

PROFILE = str(INJECT_DIR / "ciopt_profile.py")
PYTEST_ARGS = ["--benchmark-disable", "-q", "-p", "no:cacheprovider"]


def profile(python: str, root: Path, *args: str) -> dict[str, Any]:
    out = root.parent / "profile.json"
    done = subprocess.run(
        [python, PROFILE, str(out), str(root), *args],
        check=False,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root / "src")},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data: dict[str, Any] = json.loads(out.read_text())
    return data


def test_parse() -> None:
    assert parse(["o", "r", "--", "-q"]) == ("o", "r", [], ["-q"])
    assert parse(["o", "r", "--lines", "a.py,b/c.py", "--"]) == ("o", "r", ["a.py", "b/c.py"], [])
    for bad in (["o", "r"], ["o", "r", "--lines", "a.py", "-q"], ["o", "r", "-q", "--"]):
        with pytest.raises(SystemExit, match="usage"):
            parse(bad)
    assert "--lines" in USAGE


def test_hottest_line_of_dedupe(example_repo: Path, client_python: str) -> None:
    bench = ["benchmarks/test_bench_tokens.py", *PYTEST_ARGS]
    plain = profile(client_python, example_repo, "--", *bench)
    assert set(plain) == {"exitstatus", "functions"}

    data = profile(client_python, example_repo, "--lines", "src/textkit/tokens.py", "--", *bench)
    assert data["exitstatus"] == 0
    assert any(f["function"] == "dedupe" for f in data["functions"])
    # only the project's own files: never the import machinery's "<frozen importlib...>"
    assert not any(f["file"].startswith("<") for f in data["functions"])
    assert {row["file"] for row in data["lines"]} == {"src/textkit/tokens.py"}
    assert data["lines_total_s"] >= sum(row["time_s"] for row in data["lines"])

    (example_repo.parent / "profile.json").write_text(json.dumps(data))
    hot = read_line_profile(example_repo.parent / "profile.json", example_repo)
    assert hot[0].text == "if item not in out:"
    assert hot[0].hits == 2000
    assert hot[0].share > 0.3
    assert "for item in items:" in {h.text for h in hot}
    assert all(h.share >= 0.01 for h in hot)  # a line of no weight is left out


MOD = """\
import time


def down(n):
    if n == 0:
        time.sleep(0.05)
        return
    down(n - 1)


def gen():
    for i in range(3):
        yield i
"""

TEST = """\
import time

from mod import down, gen


def test_it():
    down(5)
    for _ in gen():
        time.sleep(0.02)
"""


def test_recursion_and_generators(tmp_path: Path, client_python: str) -> None:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src/mod.py").write_text(MOD)
    (root / "test_it.py").write_text(TEST)
    data = profile(
        client_python, root, "--lines", "src/mod.py", "--", "-q", "-p", "no:cacheprovider"
    )
    rows = {row["line"]: row for row in data["lines"]}
    asleep = rows[6]["time_s"]  # time.sleep(0.05) in the deepest call
    assert rows[6]["hits"] == 1 and asleep >= 0.05
    # down(n - 1): the callees' time is on their own lines, not charged again to each caller
    assert rows[8]["hits"] == 5 and rows[8]["time_s"] < asleep / 2
    # yield i: the time the generator is suspended (3 x 0.02 s) is nobody's
    assert rows[13]["hits"] == 3 and rows[12]["time_s"] + rows[13]["time_s"] < 0.03
    assert data["lines_total_s"] < asleep + 0.03


def test_tracer_is_removed(tmp_path: Path, client_python: str) -> None:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src/mod.py").write_text(MOD)
    (root / "test_it.py").write_text("from mod import gen\n\ndef test_it():\n    list(gen())\n")
    code = (
        "import sys; from ciopt_profile import main; "
        "main(sys.argv[1:]); print('trace after:', sys.gettrace())"
    )
    done = subprocess.run(
        [
            client_python,
            "-c",
            code,
            str(tmp_path / "p.json"),
            str(root),
            "--lines",
            "src/mod.py",
            "--",
            "-q",
            "-p",
            "no:cacheprovider",
        ],
        check=False,
        cwd=root,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(INJECT_DIR), str(root / "src")])},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "trace after: None" in done.stdout, done.stdout + done.stderr
    assert json.loads((tmp_path / "p.json").read_text())["lines"]


def test_own_code_leaves_out_tests_installs_and_the_standard_library(tmp_path: Path) -> None:
    root = str(tmp_path)
    (tmp_path / "env" / "lib").mkdir(parents=True)
    (tmp_path / "env" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    own = ["src/pkg/mod.py", "pkg/tests_util.py", "app.py"]
    not_own = [
        "tests/test_mod.py",
        "src/pkg/tests/helpers.py",
        "benchmarks/bench_util.py",
        "src/conftest.py",
        "src/pkg/test_mod.py",
        "src/pkg/mod_test.py",
        ".venv/lib/python3.11/site-packages/lib.py",
        "vendor/site-packages/lib.py",
        "venv/lib/lib.py",
        ".tox/py311/lib.py",
        "env/lib/lib.py",  # a virtualenv by another name: its pyvenv.cfg says so
    ]
    for rel in own:
        assert own_file(os.path.join(root, rel), root) == rel
    for rel in not_own:
        assert own_file(os.path.join(root, rel), root) is None, rel
    assert own_file(os.__file__, os.path.dirname(os.path.dirname(os.__file__))) is None
    assert own_file("~", root) is None and own_file("<frozen os>", root) is None
    assert own_file("/elsewhere/mod.py", root) is None


def test_discover_mode_is_named_after_out_and_root() -> None:
    assert split_mode(["o", "r", "--discover", "--", "-q"]) == (True, ["o", "r", "--", "-q"])
    assert split_mode(["o", "r", "--", "--discover"]) == (False, ["o", "r", "--", "--discover"])


SHARED = """\
def helper(x):
    return x + 1


def only_a(n):
    return sum(helper(i) for i in range(n))


def only_b(n):
    return [helper(i) for i in range(n)]
"""
BENCHES = """\
import pytest

from shared import only_a, only_b


@pytest.fixture
def run():
    def call(fn, *args):  # one caller for both tests, as pytest-benchmark's fixture is
        return fn(*args)

    return call


def test_a(run):
    run(only_a, 100)


@pytest.mark.parametrize("n", [10, 20])
def test_b(run, n):
    run(only_b, n)
"""


def test_discover_names_the_tests_each_function_ran_in(tmp_path: Path, client_python: str) -> None:
    """Each test's own record: the profile's call graph would merge the tests through the
    fixture they share, and every function would seem to run in every test."""
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "src" / "shared.py").write_text(SHARED)
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "test_b.py").write_text(BENCHES)
    data = profile(client_python, root, "--discover", "--", "benchmarks", *PYTEST_ARGS[1:])
    ran = {row["function"]: row["tests"] for row in data["functions"]}
    b = ["benchmarks/test_b.py::test_b[10]", "benchmarks/test_b.py::test_b[20]"]
    assert ran["only_a"] == ["benchmarks/test_b.py::test_a"]
    assert ran["only_b"] == b
    assert ran["helper"] == ["benchmarks/test_b.py::test_a", *b]
