"""The order of checks: the guard decides before any of the client's code runs, and a change that
leaves nothing changed is not a change. (Tests and replay: tests/verify/test_parity.py,
test_differential.py, and end to end in tests/e2e/test_correctness.py.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ciopt.config import Settings
from ciopt.git import Git
from ciopt.trace import Tracer
from ciopt.verify import Scope, Verifier, replay_options
from tests.helpers import git


class NoClient:
    """A client that must not be used: the guard decides without running anything."""

    python = "/nowhere/python"

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"the client's {name} was used")


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Git, str]:
    root = tmp_path / "repo"
    (root / "src").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "src" / "m.py").write_text("def f():\n    return 1\n")
    (root / "tests" / "test_m.py").write_text("def test_f():\n    assert True\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    return Git(root), git(root, "rev-parse", "HEAD")


def _verifier(root: Path, tmp_path: Path, allowed: tuple[str, ...]) -> tuple[Verifier, Tracer]:
    tracer = Tracer(tmp_path / "trace.jsonl")
    scope = Scope(tests=("tests",), bench=("benchmarks",), allowed=allowed)
    options = replay_options(Settings.model_construct())
    verifier = Verifier(
        NoClient(),  # type: ignore[arg-type]
        root,
        scope,
        options,
        tracer=tracer,
        work=tmp_path / "work",
        test_timeout=10,
    )
    return verifier, tracer


def _commit(root: Path, files: dict[str, str]) -> str:
    for rel, text in files.items():
        (root / rel).write_text(text)
    git(root, "commit", "-qam", "change")
    return git(root, "rev-parse", "HEAD")


@pytest.mark.parametrize(
    ("files", "reason", "said"),
    [
        ({"tests/test_m.py": "def test_f():\n    pass\n"}, "forbidden_path", "tests/test_m.py"),
        ({}, "no_change", "leaves the code as it was"),
    ],
)
def test_the_guard_rejects_before_any_code_runs(
    repo: tuple[Git, str], tmp_path: Path, files: dict[str, str], reason: str, said: str
) -> None:
    git_, base = repo
    head = _commit(git_.path, files) if files else base
    verifier, tracer = _verifier(git_.path, tmp_path, allowed=("src/m.py",))
    try:
        correctness, rejection = verifier.verify(git_, base, head, git_.path, candidate=1)
    finally:
        tracer.close()
    assert rejection is not None and rejection.reason == reason and said in rejection.message
    assert correctness.tests is None and correctness.differential is None
    assert correctness.guard is not None
    assert correctness.guard.violations == (["tests/test_m.py"] if files else [])
