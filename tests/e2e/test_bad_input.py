"""Bad input: one clear line saying what to do, a non-zero exit, and the trace kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ciopt.cli import main
from conftest import git

pytestmark = pytest.mark.e2e

GOOD = "target=src/textkit/tokens.py::dedupe bench=benchmarks/test_bench_tokens.py"
NOT_APPLYING = (
    "src/textkit/tokens.py\n<<<<<<< SEARCH\nnothing like this\n=======\nx\n>>>>>>> REPLACE\n"
)


def _run(repo: Path, out: Path, request: str, python: str, model: str | None = None) -> int:
    if model is None:
        empty = out.parent / "empty.jsonl"
        empty.write_text("")
        model = f"scripted:{empty}"
    return main(
        [
            "run",
            "--repo",
            str(repo),
            "--request",
            request,
            "--model",
            model,
            "--python",
            python,
            "--out",
            str(out),
            "--rounds",
            "3",
        ]
    )


def _assert_clean_failure(
    code: int, capsys: pytest.CaptureFixture[str], out: Path, reason: str, words: str
) -> None:
    err = capsys.readouterr().err.strip()
    assert code == 1
    assert len(err.splitlines()) == 1, err
    assert err.startswith("error: ")
    assert words in err
    events = [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
    assert events[0]["type"] == "header"
    assert any(e.get("name") == "run.error" for e in events)
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["verdict"] == "error"
    assert verdict["reason"] == reason


@pytest.mark.parametrize(
    ("request_text", "reason", "words"),
    [
        ("target=src/textkit/nope.py::dedupe bench=benchmarks", "bad_request", "does not exist"),
        (
            "target=src/textkit/tokens.py::dedup bench=benchmarks",
            "bad_request",
            "functions there: dedupe, tokenize",
        ),
        (f"{GOOD} colour=blue", "bad_request", "unknown request key 'colour'"),
        (
            "target=src/textkit/tokens.py::dedupe bench=benchmarks/nope.py",
            "bad_request",
            "benchmarks/nope.py does not exist",
        ),
    ],
)
def test_bad_requests(
    example_repo: Path,
    tmp_path: Path,
    client_python: str,
    capsys: pytest.CaptureFixture[str],
    request_text: str,
    reason: str,
    words: str,
) -> None:
    out = tmp_path / "out"
    code = _run(example_repo, out, request_text, client_python)
    _assert_clean_failure(code, capsys, out, reason, words)


def test_benchmark_selector_that_selects_nothing(
    example_repo: Path,
    tmp_path: Path,
    client_python: str,
    capsys: pytest.CaptureFixture[str],
    script: Callable[[list[str]], Path],
) -> None:
    out = tmp_path / "out"
    request = "target=src/textkit/tokens.py::dedupe bench=tests/test_tokens.py"
    code = _run(example_repo, out, request, client_python, f"scripted:{script([])}")
    _assert_clean_failure(code, capsys, out, "no_benchmark", "selects no benchmark")


def test_not_a_git_repository(
    tmp_path: Path, client_python: str, capsys: pytest.CaptureFixture[str]
) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    out = tmp_path / "out"
    code = _run(plain, out, GOOD, client_python)
    _assert_clean_failure(code, capsys, out, "bad_repo", "is not a git repository")


def test_uncommitted_changes(
    example_repo: Path, tmp_path: Path, client_python: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (example_repo / "src" / "textkit" / "tokens.py").write_text("# edited\n")
    out = tmp_path / "out"
    code = _run(example_repo, out, GOOD, client_python)
    _assert_clean_failure(code, capsys, out, "dirty_repo", "uncommitted changes")


def test_baseline_tests_fail(
    example_repo: Path,
    tmp_path: Path,
    client_python: str,
    capsys: pytest.CaptureFixture[str],
    script: Callable[[list[str]], Path],
) -> None:
    (example_repo / "tests" / "test_broken.py").write_text(
        "def test_broken():\n    assert 1 == 2\n"
    )
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-qm", "a failing test")
    out = tmp_path / "out"
    code = _run(example_repo, out, GOOD, client_python, f"scripted:{script([])}")
    _assert_clean_failure(
        code, capsys, out, "baseline_tests_failed", "tests/test_broken.py::test_broken"
    )


def test_scripted_model_runs_out(
    example_repo: Path,
    tmp_path: Path,
    client_python: str,
    capsys: pytest.CaptureFixture[str],
    script: Callable[[list[str]], Path],
) -> None:
    out = tmp_path / "out"
    code = _run(
        example_repo,
        out,
        f"{GOOD} candidates=3",
        client_python,
        f"scripted:{script([NOT_APPLYING])}",
    )
    _assert_clean_failure(code, capsys, out, "model_exhausted", "no response left after 1 calls")
    # What was learned before the model ran out is kept.
    verdict = json.loads((out / "verdict.json").read_text())
    assert [c["reason"] for c in verdict["candidates"]] == ["not_applied"]
    assert "not_applied" in (out / "report.md").read_text()


def test_missing_scripted_file_and_no_model(
    example_repo: Path, tmp_path: Path, client_python: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    code = _run(example_repo, out, GOOD, client_python, "scripted:/nonexistent.jsonl")
    _assert_clean_failure(code, capsys, out, "bad_config", "does not exist")
