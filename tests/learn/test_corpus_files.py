"""The task corpus in ``examples/corpus/``: every task has its files, a ``task.toml`` with the
fields the eval reads, a target, a benchmark, a reference (and a trap) that define the target.

Only files are read and parsed here: the projects' own tests and the measurements of their
references are run elsewhere (``examples/corpus/README.md`` says how they were verified).
"""

from __future__ import annotations

import ast
import re
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import EXAMPLES

CORPUS = EXAMPLES / "corpus"
NAMES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.is_dir() else []
REQUIRED = {
    "name": str,
    "split": str,
    "kind": str,
    "slow": str,
    "target": str,
    "bench": str,
    "reference_ratio": float,
}
OPTIONAL = {"trap": str, "trap_caught_by": str}
TRAP_KINDS = {"order", "float-summation", "exceptions", "mutation"}
TARGET = re.compile(
    r"^src/(?P<pkg>[a-z_][a-z0-9_]*)/(?P<module>[a-z_][a-z0-9_]*)\.py::(?P<qual>[\w.]+)$"
)


def _toml(name: str) -> dict[str, Any]:
    return tomllib.loads((CORPUS / name / "task.toml").read_text(encoding="utf-8"))


def _target(name: str) -> re.Match[str]:
    match = TARGET.match(_toml(name)["target"])
    assert match, f"{name}: target is not src/<pkg>/<module>.py::<qualname>"
    return match


def _defines(source: str, qualname: str) -> bool:
    """Whether ``source`` defines the function ``qualname`` (``Class.method`` included)."""
    body: list[ast.stmt] = ast.parse(source).body
    *owners, last = qualname.split(".")
    for owner in owners:
        classes = [n for n in body if isinstance(n, ast.ClassDef) and n.name == owner]
        if not classes:
            return False
        body = classes[0].body
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    return any(isinstance(n, functions) and n.name == last for n in body)


def _top_level_defines(source: str, name: str) -> bool:
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    return any(isinstance(n, functions) and n.name == name for n in ast.parse(source).body)


def test_the_corpus_has_enough_tasks_in_both_splits() -> None:
    assert len(NAMES) >= 30
    splits = Counter(_toml(name)["split"] for name in NAMES)
    assert splits["train"] > 0
    assert splits["holdout"] > 0
    assert set(splits) == {"train", "holdout"}


def test_every_kind_has_tasks_in_both_splits() -> None:
    by_kind: dict[str, set[str]] = {}
    for name in NAMES:
        data = _toml(name)
        by_kind.setdefault(data["kind"], set()).add(data["split"])
    assert {kind: splits for kind, splits in by_kind.items() if len(splits) < 2} == {}


def test_package_names_are_unique() -> None:
    packages = Counter(_target(name)["pkg"] for name in NAMES)
    assert [pkg for pkg, n in packages.items() if n > 1] == []


def test_traps_cover_the_usual_kinds_and_the_readme_lists_them() -> None:
    traps = {name: _toml(name).get("trap") for name in NAMES}
    kinds = {kind for kind in traps.values() if kind}
    assert kinds >= TRAP_KINDS
    assert sum(1 for kind in traps.values() if kind) >= 4
    readme = (CORPUS / "README.md").read_text(encoding="utf-8")
    for kind in kinds:
        assert kind in readme
    rows = [line for line in readme.splitlines() if line.startswith("| ")]
    for name in NAMES:
        assert any(row.startswith(f"| {name} |") for row in rows), name


@pytest.mark.parametrize("name", NAMES)
def test_task_toml_has_the_fields(name: str) -> None:
    data = _toml(name)
    assert re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", name)
    assert set(REQUIRED) <= set(data), set(REQUIRED) - set(data)
    assert set(data) <= set(REQUIRED) | set(OPTIONAL), set(data) - set(REQUIRED) - set(OPTIONAL)
    for field, kind in {**REQUIRED, **OPTIONAL}.items():
        if field in data:
            assert isinstance(data[field], kind), field
    assert data["name"] == name
    assert data["split"] in ("train", "holdout")
    assert data["kind"].strip()
    assert data["slow"].strip()
    assert 0.0 < data["reference_ratio"] < 0.75  # measured, and at least ~1.3x faster
    assert ("trap" in data) == ("trap_caught_by" in data)
    if "trap" in data:
        assert data["trap"].strip()
        assert data["trap_caught_by"] in ("tests", "replay")


@pytest.mark.parametrize("name", NAMES)
def test_task_project_has_its_files(name: str) -> None:
    data = _toml(name)
    match = _target(name)
    project = CORPUS / name / "project"
    pkg, module, qualname = match["pkg"], match["module"], match["qual"]
    target = project / "src" / pkg / f"{module}.py"
    assert target.is_file()
    assert (project / "src" / pkg / "__init__.py").is_file()
    assert _defines(target.read_text(encoding="utf-8"), qualname)
    assert data["bench"] == f"benchmarks/test_bench_{module}.py"
    bench = project / data["bench"]
    assert bench.is_file()
    assert "benchmark(" in bench.read_text(encoding="utf-8")
    assert (project / "tests" / f"test_{module}.py").is_file()
    pytest_options = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"
    ]["pytest"]["ini_options"]
    assert pytest_options["testpaths"] == ["tests", "benchmarks"]
    assert pytest_options["pythonpath"] == ["src"]


@pytest.mark.parametrize("name", NAMES)
def test_replies_define_the_target(name: str) -> None:
    data = _toml(name)
    last = data["target"].rpartition("::")[2].rpartition(".")[2]
    replies = [Path("reference.py"), *([Path("trap.py")] if "trap" in data else [])]
    for reply in replies:
        path = CORPUS / name / reply
        assert path.is_file(), reply
        assert _top_level_defines(path.read_text(encoding="utf-8"), last), reply
    if "trap" not in data:
        assert not (CORPUS / name / "trap.py").exists()
