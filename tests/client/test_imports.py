"""A worktree that cannot import the package: the probe says where, ciopt says it in one line."""

from __future__ import annotations

from pathlib import Path

from ciopt.client import ProbeReport, cannot_import, import_errors
from ciopt.verify import run_tests
from tests.helpers import git, local_client
from tests.helpers.hatchvcs import make_hatch_repo

MISSING = "src/hvpkg/__init__.py:1: ModuleNotFoundError: No module named 'hvpkg._version'"


def _worktree(repo: Path, tmp_path: Path) -> Path:
    tree = tmp_path / "wt"
    git(repo, "worktree", "add", "--quiet", "--detach", str(tree), "HEAD")
    return tree


def test_the_probe_reports_the_failing_import_with_its_file_and_line(
    tmp_path: Path, client_python: str
) -> None:
    repo = make_hatch_repo(tmp_path / "hv")
    tree = _worktree(repo, tmp_path)  # a clean worktree: no _version.py
    client = local_client(client_python, "hvpkg")
    run = run_tests(client, tree, ["tests"], probe_out=tmp_path / "p.json", timeout=120)
    assert not run.ok
    assert run.import_errors == {"hvpkg": MISSING}
    (tree / "src/hvpkg/_version.py").write_text('__version__ = "1.2.3"\n')
    again = run_tests(client, tree, ["tests"], probe_out=tmp_path / "p.json", timeout=120)
    assert again.ok and again.import_errors == {}


def test_a_syntax_error_is_placed_at_the_line_that_does_not_parse(
    tmp_path: Path, client_python: str
) -> None:
    repo = make_hatch_repo(tmp_path / "hv")
    (repo / "src/hvpkg/_version.py").write_text("__version__ = (\n")
    run = run_tests(
        local_client(client_python, "hvpkg"),
        repo,
        ["tests"],
        probe_out=tmp_path / "p.json",
        timeout=120,
    )
    assert run.import_errors["hvpkg"].startswith("src/hvpkg/_version.py:1: SyntaxError: ")


def test_the_error_is_one_line_naming_the_module_the_cause_and_the_setting() -> None:
    report = ProbeReport(
        exitstatus=2,
        modules={
            "hvpkg.core": {"file": None, "error": "ModuleNotFoundError: x\ny", "where": "a.py:3"},
            "hvpkg": {"file": "/wt/src/hvpkg/__init__.py"},
            "other": {"file": None, "error": "ImportError: z"},
        },
    )
    errors = import_errors(report)
    assert errors == {"hvpkg.core": "a.py:3: ModuleNotFoundError: x y", "other": "ImportError: z"}
    error = cannot_import(errors)
    assert error.reason == "baseline_import_error"
    assert str(error) == (
        "the baseline cannot import hvpkg.core (a.py:3: ModuleNotFoundError: x y); if that file "
        "is generated at install (setuptools-scm, hatch-vcs, built extensions) and ignored by "
        "git, name it in worktree_include"
    )
    assert cannot_import(errors, "candidate 2").reason == "candidate_import_error"
