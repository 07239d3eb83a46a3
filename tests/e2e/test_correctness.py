"""Proof of correctness end to end: ``ciopt run`` and ``ciopt compare`` on the textkit example.

Each change below is a real commit (``compare``) or a scripted proposal (``run``); the client's
tests, recording and replays run for real in the client's interpreter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ciopt.cli import main
from tests.helpers import git

pytestmark = pytest.mark.e2e

LOOP = """    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
"""
# Passes every one of textkit's tests, the benchmark's checks included (length, first item);
# loses the order after the first item on long inputs, such as the benchmark's.
SNEAKY = """    seq = list(items)
    if len(seq) > 100:
        return [seq[0], *(set(seq) - {seq[0]})]
    out = []
    for item in seq:
        if item not in out:
            out.append(item)
    return out
"""
GENUINE = """    return list(dict.fromkeys(items))
"""
SORTS = """    return sorted(set(items), key=str)
"""
REQUEST = "target=src/textkit/tokens.py::dedupe bench=benchmarks/test_bench_tokens.py"


def proposal(body: str) -> str:
    edit = f"<<<<<<< SEARCH\n{LOOP}=======\n{body}>>>>>>> REPLACE\n"
    return f"Rewrite the loop.\n\nsrc/textkit/tokens.py\n{edit}"


def commit(repo: Path, branch: str, path: str, old: str, new: str) -> None:
    git(repo, "checkout", "-q", "-B", branch, "main")
    file = repo / path
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new))
    git(repo, "commit", "-qam", branch)
    git(repo, "checkout", "-q", "main")


@pytest.fixture
def heads(example_repo: Path) -> Path:
    tokens = "src/textkit/tokens.py"
    commit(example_repo, "sneaky", tokens, LOOP, SNEAKY)
    commit(example_repo, "genuine", tokens, LOOP, GENUINE)
    commit(example_repo, "sorts", tokens, LOOP, SORTS)
    commit(
        example_repo,
        "touches-tests",
        "tests/test_tokens.py",
        "assert dedupe([]) == []",
        "assert dedupe([]) == [] or True",
    )
    return example_repo


def verdict_of(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "verdict.json").read_text())
    return data


def test_compare_rejects_what_the_tests_miss_and_accepts_the_genuine(
    heads: Path, client_python: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def compare(head: str) -> dict[str, Any]:
        out = tmp_path / head
        code = main([
            "compare", "--repo", str(heads), "--base", "main", "--head", head,
            "--python", client_python, "--out", str(out), "--time-budget", "20",
            "--bench", "benchmarks/test_bench_tokens.py",
        ])  # fmt: skip
        assert code == 0
        return verdict_of(out)

    sneaky = compare("sneaky")
    assert (sneaky["verdict"], sneaky["reason"]) == ("rejected", "behavior_changed")
    correctness = sneaky["correctness"]
    assert correctness["tests"]["broken"] == [] and correctness["tests"]["passed"] > 10
    assert correctness["differential"]["mismatches"] >= 1
    example = correctness["differential"]["examples"][0]
    assert example["target"] == "src/textkit/tokens.py::dedupe"
    assert sneaky["benchmarks"] == []  # nothing measured for a change that is wrong
    assert "behave differently" in capsys.readouterr().out

    sorts = compare("sorts")
    assert (sorts["verdict"], sorts["reason"]) == ("rejected", "tests_failed")
    assert sorts["correctness"]["tests"]["broken"]

    touches = compare("touches-tests")
    assert (touches["verdict"], touches["reason"]) == ("rejected", "forbidden_path")
    assert touches["correctness"]["guard"]["violations"] == ["tests/test_tokens.py"]

    genuine = compare("genuine")
    assert genuine["verdict"] == "faster"
    evidence = genuine["correctness"]
    assert evidence["confidence"] == "high"
    assert evidence["differential"]["mismatches"] == 0
    assert evidence["differential"]["calls_equal"] >= 5
    assert evidence["differential"]["generated_equal"] > 0
    report = (tmp_path / "genuine" / "report.md").read_text()
    assert "recorded calls" in report


def test_run_rejects_a_change_the_tests_miss(
    example_repo: Path,
    client_python: str,
    tmp_path: Path,
    script: Callable[[list[str]], Path],
) -> None:
    out = tmp_path / "out"
    code = main([
        "run", "--repo", str(example_repo), "--python", client_python, "--out", str(out),
        "--request", REQUEST, "--candidates", "1",
        "--model", f"scripted:{script([proposal(SNEAKY)])}",
    ])  # fmt: skip
    assert code == 0
    verdict = verdict_of(out)
    (candidate,) = verdict["candidates"]
    assert candidate["reason"] == "behavior_changed"
    assert candidate["correctness"]["tests"]["broken"] == []  # the client's tests all pass
    assert (verdict["verdict"], verdict["reason"]) == ("rejected", "behavior_changed")
    assert not (out / "patch.diff").exists()
    assert "behavior_changed" in (out / "report.md").read_text()


def test_run_holds_back_a_winner_with_too_little_evidence(
    example_repo: Path,
    client_python: str,
    tmp_path: Path,
    script: Callable[[list[str]], Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CIOPT_MIN_RECORDED_CALLS", "50")  # textkit's tests make 9 calls
    out = tmp_path / "out"
    code = main([
        "run", "--repo", str(example_repo), "--python", client_python, "--out", str(out),
        "--request", f"{REQUEST} time_budget=10", "--candidates", "1",
        "--model", f"scripted:{script([proposal(GENUINE)])}",
    ])  # fmt: skip
    assert code == 0
    verdict = verdict_of(out)
    assert (verdict["verdict"], verdict["reason"]) == ("faster", "low_confidence")
    assert verdict["correctness"]["confidence"] == "low"
    assert "floor is 50" in verdict["correctness"]["low_confidence"][0]
    assert verdict["pr_url"] is None and verdict["branch"] is None
    assert "ciopt/" not in git(example_repo, "branch", "--list", "ciopt/*")
    assert (out / "patch.diff").is_file()  # kept for a person to judge
    assert "low confidence" in (out / "report.md").read_text().lower()
