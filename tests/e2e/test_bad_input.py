"""Bad input: one clear line saying what to do, a non-zero exit, and the trace kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

import pytest

from ciopt.cli import main
from tests.helpers import git
from tests.helpers.display import without_progress

pytestmark = pytest.mark.e2e

GOOD = "target=src/textkit/tokens.py::dedupe bench=benchmarks/test_bench_tokens.py"
NOT_APPLYING = (
    "src/textkit/tokens.py\n<<<<<<< SEARCH\nnothing like this\n=======\nx\n>>>>>>> REPLACE\n"
)


class Fails(Protocol):
    def __call__(
        self, repo: Path, request: str, reason: str, words: str, *, model: str | None = None
    ) -> Path: ...


@pytest.fixture
def fails(
    tmp_path: Path,
    client_python: str,
    capsys: pytest.CaptureFixture[str],
    script: Callable[[list[str]], Path],
) -> Fails:
    """Run ciopt and check it failed cleanly with ``reason``; returns the output folder."""

    def check(
        repo: Path, request: str, reason: str, words: str, *, model: str | None = None
    ) -> Path:
        out = tmp_path / "out"
        code = main([
            "run", "--repo", str(repo), "--request", request, "--python", client_python,
            "--model", model or f"scripted:{script([])}", "--out", str(out), "--rounds", "3",
        ])  # fmt: skip
        err = without_progress(capsys.readouterr().err).strip()
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
        return out

    return check


@pytest.mark.parametrize(
    ("request_text", "reason", "words"),
    [
        ("target=src/textkit/nope.py::dedupe bench=benchmarks", "bad_request", "does not exist"),
        ("target=src/textkit/tokens.py::dedup bench=benchmarks", "bad_request",
         "functions there: dedupe, tokenize"),
        (f"{GOOD} colour=blue", "bad_request", "unknown request key 'colour'"),
        ("target=src/textkit/tokens.py::dedupe bench=benchmarks/nope.py", "bad_request",
         "benchmarks/nope.py does not exist"),
        ("target=src/textkit/tokens.py::dedupe bench=tests/test_tokens.py", "no_benchmark",
         "selects no benchmark"),
    ],
)  # fmt: skip
def test_bad_requests(
    example_repo: Path, fails: Fails, request_text: str, reason: str, words: str
) -> None:
    fails(example_repo, request_text, reason, words)


def test_not_a_git_repository(tmp_path: Path, fails: Fails) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    fails(plain, GOOD, "bad_repo", "is not a git repository")


def test_uncommitted_changes(example_repo: Path, fails: Fails) -> None:
    (example_repo / "src" / "textkit" / "tokens.py").write_text("# edited\n")
    fails(example_repo, GOOD, "dirty_repo", "uncommitted changes")


def test_baseline_tests_fail(example_repo: Path, fails: Fails) -> None:
    (example_repo / "tests" / "test_broken.py").write_text("def test_broken():\n    assert 0\n")
    git(example_repo, "add", "-A")
    git(example_repo, "commit", "-qm", "a failing test")
    # Only when no selected test passes: failures beside passing tests are reported instead.
    request = f"{GOOD} tests=tests/test_broken.py"
    fails(example_repo, request, "baseline_tests_failed", "tests/test_broken.py::test_broken")


def test_scripted_model_runs_out(
    example_repo: Path, fails: Fails, script: Callable[[list[str]], Path]
) -> None:
    model = f"scripted:{script([NOT_APPLYING])}"
    out = fails(
        example_repo, f"{GOOD} candidates=3", "model_exhausted", "no response left after 1 replies",
        model=model,
    )  # fmt: skip
    # What was learned before the model ran out is kept.
    verdict = json.loads((out / "verdict.json").read_text())
    assert [c["reason"] for c in verdict["candidates"]] == ["not_applied"]
    assert "not_applied" in (out / "report.md").read_text()


def test_missing_scripted_file(example_repo: Path, fails: Fails) -> None:
    fails(example_repo, GOOD, "bad_config", "does not exist", model="scripted:/nonexistent.jsonl")
