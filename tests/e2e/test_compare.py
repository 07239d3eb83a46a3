"""``ciopt compare`` and ``ciopt calibrate`` on a real repository with known effects.

The repository comes from ``examples/power/make_pair_repo.py``: ``less-20`` does 20% less work
than ``base``, ``aa`` is the same code in another commit. Real pytest-benchmark processes run in
the client interpreter; only the time budgets are short.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from ciopt.cli import main
from tests.helpers import EXAMPLES
from tests.helpers.display import without_progress

sys.path.insert(0, str(EXAMPLES / "power"))
from make_pair_repo import make

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def spin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = tmp_path_factory.mktemp("spin") / "spin"
    make(repo, 10000)
    return repo


def compare(spin: Path, out: Path, python: str, *args: str) -> int:
    # --no-verify: the tags do different amounts of work on purpose, so churn() returns other
    # values and the correctness check would rightly reject them (test_correctness.py covers it)
    return main([
        "compare", "--repo", str(spin), "--python", python, "--out", str(out), "--no-verify",
        *args,
    ])  # fmt: skip


def verdict_of(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "verdict.json").read_text())
    return data


def test_a_true_speedup_is_found_and_explained(
    spin: Path, tmp_path: Path, client_python: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ("--base", "base", "--head", "less-20", "--time-budget", "15", "--fail-on", "slower")
    assert compare(spin, out, client_python, *args) == 0
    printed = capsys.readouterr().out
    assert "verdict: faster" in printed
    assert "benchmarks/test_spin_bench.py::test_churn" in printed
    verdict = verdict_of(out)
    assert verdict["schema"] == "ciopt.verdict/1"
    assert verdict["verdict"] == "faster"
    assert 0.7 < verdict["ratio"] < 0.9
    assert verdict["ci"][1] < 0.98
    assert verdict["measurement"]["pairing"] == "duet"
    assert verdict["measurement"]["stopped_by"] == "decided"
    assert verdict["measurement"]["seconds"] <= 15 + 3  # one round may overrun the budget
    assert verdict["benchmarks"][0]["verdict"] == "faster"
    assert verdict["mde"] > 0
    rounds = verdict["benchmarks"][0]["rounds"]
    assert len(list((out / "bench").glob("round-*-base.json"))) == rounds
    assert "faster" in (out / "report.md").read_text()
    # the same comparison as a CI gate that fails on "faster"
    assert compare(spin, tmp_path / "gate", client_python, *args[:-1], "faster") == 4


def test_a_a_claims_no_change(
    spin: Path, tmp_path: Path, client_python: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    args = ("--base", "base", "--head", "aa", "--time-budget", "8", "--pairing", "sequential")
    assert compare(spin, out, client_python, *args) == 0
    verdict = verdict_of(out)
    assert verdict["verdict"] in ("no_change", "inconclusive")
    assert verdict["measurement"]["pairing"] == "sequential"
    assert verdict["measurement"]["timer"].startswith("time.perf_counter")


def test_calibrate_then_compare_uses_the_floor(
    spin: Path, tmp_path: Path, client_python: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["calibrate", "--repo", str(spin), "--ref", "base", "--seconds", "8",
                 "--python", client_python, "--out", str(tmp_path / "cal")])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert "noise floor" in printed and "overall (geometric mean)" in printed
    saved = spin / ".git" / "ciopt" / "calibration.json"
    data = json.loads(saved.read_text())
    assert data == json.loads((tmp_path / "cal" / "calibration.json").read_text())
    assert data["schema"] == "ciopt.calibration/1"
    assert data["overall"]["rounds"] >= 3
    assert data["overall"]["floor"] >= abs(data["overall"]["bias"])
    out = tmp_path / "out"
    assert compare(spin, out, client_python, "--base", "base", "--head", "aa",
                   "--time-budget", "5") == 0  # fmt: skip
    verdict = verdict_of(out)
    assert verdict["measurement"]["calibration"] == str(saved)
    assert any("noise floors from" in n for n in verdict["notes"])
    asked = max(data["benchmarks"][0]["floor"], 0.02)
    assert verdict["benchmarks"][0]["min_effect"] >= asked - 1e-12
    saved.unlink()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--base", "no-such-ref", "--head", "base"], "no-such-ref"),
        (["--base", "base", "--head", "aa", "--bench", "nowhere/"], "--bench nowhere"),
    ],
)
def test_bad_input_is_one_line_and_an_error_verdict(
    spin: Path,
    tmp_path: Path,
    client_python: str,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    words: str,
) -> None:
    out = tmp_path / "out"
    assert compare(spin, out, client_python, *args) == 1
    err = without_progress(capsys.readouterr().err).strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ") and words in err, err
    assert verdict_of(out)["verdict"] == "error"
    assert (out / "trace.jsonl").is_file()


def test_instruction_counts_of_the_same_code_agree(
    spin: Path, tmp_path: Path, client_python: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two commits with the same code: callgrind counts per call within 0.1%."""
    out = tmp_path / "out"
    args = ("--base", "base", "--head", "aa", "--measure", "instructions")
    assert compare(spin, out, client_python, *args) == 0
    assert "base instr" in capsys.readouterr().out
    verdict = verdict_of(out)
    assert verdict["verdict"] == "no_change"
    assert abs(verdict["ratio"] - 1) < 0.001
    assert verdict["ci"] == [verdict["ratio"], verdict["ratio"]]
    bench = verdict["benchmarks"][0]
    assert bench["base_instructions"] > 1e6 and bench["base_median_s"] is None
    assert verdict["measurement"]["measure"] == "instructions"
    assert "callgrind" in verdict["measurement"]["timer"]
    assert any("not time" in w for w in verdict["warnings"])


def test_without_no_verify_a_changed_constant_is_a_behaviour_change(
    spin: Path, tmp_path: Path, client_python: str
) -> None:
    # less-20 changes STEPS, a constant churn() reads: churn() itself is unchanged, but every
    # function of a file whose shared state changed is replayed, and its result differs.
    out = tmp_path / "out"
    code = main([
        "compare", "--repo", str(spin), "--python", client_python, "--out", str(out),
        "--base", "base", "--head", "less-20",
    ])  # fmt: skip
    assert code == 0
    verdict = verdict_of(out)
    assert (verdict["verdict"], verdict["reason"]) == ("rejected", "behavior_changed")
    (target,) = verdict["correctness"]["differential"]["targets"]
    assert target["target"] == "src/spin.py::churn" and not target["required"]
    assert verdict["benchmarks"] == []
