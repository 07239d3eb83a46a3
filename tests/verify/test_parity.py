"""Test parity on real pytest runs: the same node ids must pass; a lone failure runs again."""

from __future__ import annotations

import shutil
from pathlib import Path

from ciopt.verify import judge_tests, run_tests
from tests.helpers import local_client

MODULE = "def double(x):\n    return x * 2\n"
TESTS = """
from pathlib import Path

from calc import double


def test_double():
    assert double(2) == 4


def test_flaky_once():
    marker = Path(__file__).with_name("ran-once")
    if double(1) == 2 and not marker.exists():
        marker.touch()
        raise AssertionError("fails the first time only")


def test_broken_on_baseline_too():
    assert double(0) == 1
"""


def project(root: Path, module: str = MODULE) -> Path:
    (root / "src").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "src" / "calc.py").write_text(module)
    (root / "tests" / "test_calc.py").write_text(TESTS)
    return root


def test_parity_tells_broken_from_flaky_and_keeps_baseline_failures(
    tmp_path: Path, client_python: str
) -> None:
    client = local_client(client_python, "calc")
    base = project(tmp_path / "base")
    (base / "tests" / "ran-once").touch()  # the baseline's flaky test passes at once
    baseline = run_tests(client, base, ["tests"], probe_out=tmp_path / "p.json", timeout=120)
    assert baseline.passed == [
        "tests/test_calc.py::test_double",
        "tests/test_calc.py::test_flaky_once",
    ]
    assert baseline.failed == ["tests/test_calc.py::test_broken_on_baseline_too"]

    # Same code: the flaky test fails on its first run only, and is not held against it.
    same = tmp_path / "same"
    shutil.copytree(base, same)
    (same / "tests" / "ran-once").unlink()
    counts = judge_tests(
        client, same, baseline, ["tests"], probe_out=tmp_path / "q.json", timeout=120
    )
    assert counts.flaky == ["tests/test_calc.py::test_flaky_once"]
    assert counts.broken == []
    assert counts.baseline_failed == ["tests/test_calc.py::test_broken_on_baseline_too"]
    assert (counts.passed, counts.failed) == (1, 2)

    # Broken code: the test fails twice and is broken; the baseline's own failure is not.
    bad = project(tmp_path / "bad", "def double(x):\n    return x + 3\n")
    counts = judge_tests(
        client, bad, baseline, ["tests"], probe_out=tmp_path / "r.json", timeout=120
    )
    assert counts.broken == ["tests/test_calc.py::test_double"]
    assert "tests/test_calc.py::test_broken_on_baseline_too" not in counts.broken
    assert counts.flaky == []  # double(1) != 2: the marker is never written, it fails twice
    assert not (bad / "tests" / "ran-once").exists()


def test_a_collection_error_breaks_every_test_it_hides(tmp_path: Path, client_python: str) -> None:
    client = local_client(client_python, "calc")
    base = project(tmp_path / "base")
    (base / "tests" / "ran-once").touch()
    baseline = run_tests(client, base, ["tests"], probe_out=tmp_path / "p.json", timeout=120)
    bad = project(tmp_path / "bad", "def double(x)\n    return x * 2\n")  # a syntax error
    counts = judge_tests(
        client, bad, baseline, ["tests"], probe_out=tmp_path / "q.json", timeout=120
    )
    assert set(baseline.passed) <= set(counts.broken)
