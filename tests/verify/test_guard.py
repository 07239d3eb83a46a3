from __future__ import annotations

import pytest

from ciopt.verify.guard import violations

FORBIDDEN = [
    "tests/test_mod.py",
    "tests/unit/deep/test_x.py",
    "tests/helpers.py",
    "src/pkg/tests/helpers.py",
    "test/test_a.py",
    "benchmarks/test_tokens.py",
    "benchmarks/data/input.txt",
    "src/pkg/benchmarks/bench_x.py",
    "conftest.py",
    "src/conftest.py",
    "src/pkg/sub/conftest.py",
    "src/pkg/test_mod.py",
    "src/pkg/mod_test.py",
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    "tox.ini",
    "pytest.ini",
    "noxfile.py",
    "requirements.txt",
    "requirements-dev.txt",
    "uv.lock",
    "Makefile",
    ".github/workflows/x.yml",
    ".github/actions/setup/action.yml",
    ".gitlab-ci.yml",
    ".gitlab/ci/jobs.yml",
    ".ciopt.toml",
    ".ciopt/state.json",
    ".pre-commit-config.yaml",
    ".git/hooks/pre-commit",
    ".gitattributes",
    ".gitmodules",
]


def test_allowed_target_file_passes() -> None:
    assert violations(["src/pkg/mod.py"], ["src/pkg/mod.py"]) == []


def test_allowed_by_glob_passes() -> None:
    assert violations(["src/pkg/a.py", "src/pkg/sub/b.py"], ["src/pkg/*"]) == []


def test_nothing_changed() -> None:
    assert violations([], []) == []


def test_outside_allowed_rejected() -> None:
    changed = ["src/pkg/mod.py", "src/pkg/other.py", "README.md"]
    assert violations(changed, ["src/pkg/mod.py"]) == ["src/pkg/other.py", "README.md"]


def test_nothing_allowed_rejects_everything() -> None:
    assert violations(["src/pkg/mod.py"], []) == ["src/pkg/mod.py"]


def test_allowed_is_case_sensitive() -> None:
    assert violations(["src/Pkg/mod.py"], ["src/pkg/*"]) == ["src/Pkg/mod.py"]


@pytest.mark.parametrize("path", FORBIDDEN)
def test_forbidden_even_when_everything_allowed(path: str) -> None:
    assert violations([path], ["*"]) == [path]


@pytest.mark.parametrize("path", FORBIDDEN)
def test_forbidden_even_when_named_exactly(path: str) -> None:
    assert violations([path], [path, "*"]) == [path]


def test_mixed_changes_report_only_the_bad_ones_in_order() -> None:
    changed = ["src/pkg/mod.py", "tests/test_mod.py", "src/pkg/util.py", "pyproject.toml"]
    assert violations(changed, ["*"]) == ["tests/test_mod.py", "pyproject.toml"]


@pytest.mark.parametrize(
    "path", ["src/pkg/testing.py", "src/pkg/contest.py", "src/pkg/benchmark.py", "docs/setup.md"]
)
def test_similar_names_are_not_forbidden(path: str) -> None:
    assert violations([path], ["*"]) == []


@pytest.mark.parametrize(
    "path", ["sitecustomize.py", "src/sitecustomize.py", "usercustomize.py", "src/x.pth"]
)
def test_start_up_hooks_are_forbidden(path: str) -> None:
    # code Python runs before anything else could change how everything is timed
    assert violations([path], ["*"]) == [path]


def test_the_runs_own_tests_and_benchmarks_are_protected_wherever_they_are() -> None:
    changed = ["perf/bench_speed.py", "qa/checks/test_x.py", "qa/checks/data.json", "src/m.py"]
    protected = ["perf/bench_speed.py::test_fast", "qa/checks"]
    assert violations(changed, ["*"], [s.split("::")[0] for s in protected]) == changed[:3]
    assert violations(changed, ["*"]) == ["qa/checks/test_x.py"]
