"""A project whose ``_version.py`` is written at install and ignored by git (hatch-vcs,
setuptools-scm): the worktrees get it from the checkout, so they import as the checkout does;
without it, the error is the import error itself, in one line."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ciopt.cli import main
from tests.helpers import git
from tests.helpers.display import without_progress
from tests.helpers.hatchvcs import BENCH, SLOW_TOTAL, TARGET, make_hatch_repo

pytestmark = pytest.mark.e2e

FAST_TOTAL = "def total(items: list[int]) -> int:\n    return sum(items)\n"
VERSION = "src/hvpkg/_version.py"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """``v1`` with the slow ``total``, ``v2`` with ``sum``; ``_version.py`` in the checkout only."""
    repo = make_hatch_repo(tmp_path / "hv")
    (repo / "src/hvpkg/core.py").write_text(FAST_TOTAL)
    git(repo, "commit", "--quiet", "-am", "sum")
    git(repo, "tag", "v2")
    return repo


def _events(out: Path, name: str) -> list[dict[str, Any]]:
    lines = (out / "trace.jsonl").read_text().splitlines()
    return [e["attrs"] for e in map(json.loads, lines) if e.get("name") == name]


def _edit(path: str, old: str, new: str) -> str:
    """A model's reply: one search/replace edit."""
    return f"{path}\n<<<<<<< SEARCH\n{old}=======\n{new}>>>>>>> REPLACE\n"


def _verdict(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "verdict.json").read_text())
    return data


def test_compare_imports_the_package_as_the_checkout_does(
    project: Path, tmp_path: Path, client_python: str
) -> None:
    out = tmp_path / "out"
    code = main(["compare", "--repo", str(project), "--base", "v1", "--head", "v2",
                 "--python", client_python, "--out", str(out), "--time-budget", "2"])  # fmt: skip
    assert code == 0
    verdict = _verdict(out)
    assert verdict["verdict"] != "error", verdict["message"]
    # both sides' tests ran, test_version among them; the copy is no part of the change
    assert verdict["correctness"]["tests"]["passed"] == 3
    assert verdict["correctness"]["guard"]["changed_files"] == ["src/hvpkg/core.py"]
    [included] = _events(out, "worktree.include")
    assert included["files"] == [VERSION]
    assert included["patterns"] == ["src/hvpkg/*.py", "src/hvpkg/*.so", "src/hvpkg/*.pyd"]


@pytest.mark.parametrize(
    "command",
    [
        ["compare", "--base", "v1", "--head", "v2"],
        ["calibrate", "--ref", "v1", "--seconds", "2", "--no-save"],
        ["run", "--request", f"target={TARGET} bench={BENCH}", "--model", "scripted:/none"],
    ],
    ids=["compare", "calibrate", "run"],
)
def test_without_the_copy_the_import_error_is_the_one_line_message(
    project: Path,
    tmp_path: Path,
    client_python: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    monkeypatch.setenv("CIOPT_WORKTREE_INCLUDE", "[]")
    out = tmp_path / "out"
    if command[0] == "run":
        (tmp_path / "none").write_text("")
        command = [*command[:-1], f"scripted:{tmp_path / 'none'}"]
    code = main([*command, "--repo", str(project), "--python", client_python, "--out", str(out)])
    assert code == 1
    err = without_progress(capsys.readouterr().err).strip()
    assert err == (
        "error: the baseline cannot import hvpkg"
        f"{'.core' if command[0] == 'run' else ''} (src/hvpkg/__init__.py:1: ModuleNotFoundError: "
        "No module named 'hvpkg._version'); if that file is generated at install (setuptools-scm, "
        "hatch-vcs, built extensions) and ignored by git, name it in worktree_include"
    )
    assert _verdict(out)["reason"] == "baseline_import_error"
    assert _events(out, "worktree.include")[0]["files"] == []


def test_a_run_gives_every_worktree_the_copy_and_no_candidate_may_change_it(
    project: Path,
    tmp_path: Path,
    client_python: str,
    script: Callable[[list[str]], Path],
) -> None:
    git(project, "checkout", "--quiet", "v1")  # the slow total
    sneak = _edit(VERSION, '__version__ = "1.2.3"\n', '__version__ = "9"\n')
    fast = _edit("src/hvpkg/core.py", SLOW_TOTAL, FAST_TOTAL)
    explain = json.dumps({"title": "Sum in C", "summary": "total calls the builtin sum."})
    model = f"scripted:{script([sneak, fast, explain])}"
    out = tmp_path / "out"
    request = f"target={TARGET} bench={BENCH} candidates=2 rounds=3 time_budget=2"
    code = main(["run", "--repo", str(project), "--request", request, "--python", client_python,
                 "--model", model, "--out", str(out), "--forge", "none"])  # fmt: skip
    assert code == 0
    verdict = _verdict(out)
    first, second = verdict["candidates"]
    assert (first["reason"], first["message"]) == (
        "not_applied",
        f"{VERSION} is not a file of the repository",
    )
    assert second["outcome"] in ("faster", "inconclusive"), second["message"]  # measured
    assert second["correctness"]["guard"]["changed_files"] == ["src/hvpkg/core.py"]
    assert second["correctness"]["tests"]["passed"] == 3  # test_version passes in the candidate
    assert git(project, "diff", "--name-only", "v1", second["head"]) == "src/hvpkg/core.py"
    assert _events(out, "worktree.include")[0]["files"] == [VERSION]
