"""``gather_units`` on units' folders made here: which folder is whose, the best of a target,
a patch that reaches beyond its targets, and combining winners (a conflict, a failure on top
of the others)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciopt.flows import Session, gather_units
from ciopt.flows.gather import patched_files
from ciopt.forges import open_forge
from ciopt.plan import Plan, Unit
from ciopt.verdict import Verdict
from tests.helpers import git

TOKENS = "src/textkit/tokens.py"
STATS = "src/textkit/stats.py"
RENDER = "src/textkit/render.py"

DEDUPE_FAST = """    seen: set[T] = set()
    out: list[T] = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
"""
DEDUPE_OTHER = """    out: list[T] = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
"""
NORMALIZE_FAST = """    peak = max(values)
    if not peak:
        return [0.0 for _ in values]
    return [value / peak for value in values]
"""


def _patch(repo: Path, path: str, old: str, new: str) -> str:
    """The diff of one edit to ``path``, the checkout left as it was."""
    file = repo / path
    before = file.read_text()
    assert old in before
    file.write_text(before.replace(old, new, 1))
    diff = git(repo, "diff", "--no-color", "--", path) + "\n"
    git(repo, "checkout", "--", path)
    return diff


def _unit_folder(
    units: Path, unit: Unit, *, run: str, ratio: float | None, patch: str, name: str = ""
) -> Path:
    folder = units / (name or f"unit-{unit.id}")
    folder.mkdir(parents=True)
    (folder / "unit.json").write_text(json.dumps({"unit": unit.id, "run": run}))
    won = ratio is not None
    verdict = Verdict(
        verdict="faster" if won else "no_change",
        reason="verified_faster" if won else "not_faster",
        message="m",
        ratio=ratio,
        ci=(ratio * 0.9, ratio * 1.1) if ratio else None,
        confidence=0.99,
        min_effect=0.02,
        targets=unit.targets,
        unit=unit.id,
        budget={"limits": {}, "spent": {"llm_calls": 1}},
    )
    (folder / "verdict.json").write_text(verdict.to_json())
    if patch:
        (folder / "patch.diff").write_text(patch)
    return folder


def _plan(units: list[Unit], *, base: str, combine: bool = False) -> Plan:
    return Plan(kind="targets", run="77", base=base, forge="local", combine=combine, units=units)


OLD_DEDUPE = """    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
"""
OLD_NORMALIZE = """    result: list[float] = []
    for value in values:
        peak = max(values)
        result.append(value / peak if peak else 0.0)
    return result
"""


def test_patched_files_names_every_path_a_patch_touches() -> None:
    patch = (
        "diff --git a/src/a.py b/src/a.py\n--- a/src/a.py\n+++ b/src/a.py\n@@ -1 +1 @@\n-x\n+y\n"
        "diff --git a/src/b.py b/tests/b.py\nsimilarity index 90%\nrename from src/b.py\n"
        "rename to tests/b.py\n"
        "diff --git a/logo.png b/logo.png\nGIT binary patch\nliteral 3\n"
    )
    assert patched_files(patch) == {
        "src/a.py",
        "src/b.py",
        "tests/b.py",
        "logo.png",
        "<binary>",
    }


def test_the_best_of_a_target_is_published_and_strays_are_refused(
    example_repo: Path, tmp_path: Path
) -> None:
    base = git(example_repo, "rev-parse", "HEAD")
    fast = _patch(example_repo, TOKENS, OLD_DEDUPE, DEDUPE_FAST)
    also_tests = fast + _patch(
        example_repo, "tests/test_tokens.py", "def test_", "def test_renamed_"
    ).replace("\n\n", "\n")
    units = [Unit(id=str(i), request="r", targets=[f"{TOKENS}::dedupe"]) for i in (1, 2, 3, 4)]
    folders = tmp_path / "downloaded"
    _unit_folder(folders, units[0], run="77", ratio=0.5, patch=fast)
    _unit_folder(folders, units[1], run="77", ratio=0.3, patch=fast)  # the best
    _unit_folder(folders, units[2], run="77", ratio=0.1, patch=also_tests)  # touches a test
    _unit_folder(folders, units[3], run="12", ratio=0.05, patch=fast)  # another run's unit 4
    plan = Plan(kind="slots", run="77", base=base, forge="local", units=units)
    with Session("gather", example_repo, out=tmp_path / "out") as session:
        forge = open_forge("local", session.settings, session.environ)
        gathered = gather_units(session, example_repo, plan, folders, forge=forge)
    states = {u.id: (u.state, u.picked) for u in gathered.units}
    assert states == {
        "1": ("done", False),
        "2": ("done", True),
        "3": ("failed", False),
        "4": ("missing", False),
    }
    refused = next(u for u in gathered.units if u.id == "3")
    assert "tests/test_tokens.py" in refused.message and refused.message.endswith("refused")
    [pub] = gathered.published
    assert pub.units == ["2"] and pub.branch == "ciopt/tokens-dedupe"
    changed = git(example_repo, "diff", "--name-only", base, "ciopt/tokens-dedupe").split()
    assert changed == [TOKENS]


@pytest.mark.e2e
def test_combined_winners_join_one_by_one_and_a_conflict_or_failure_stays_out(
    example_repo: Path, tmp_path: Path, client_python: str
) -> None:
    base = git(example_repo, "rev-parse", "HEAD")
    normalize = _patch(example_repo, STATS, OLD_NORMALIZE, NORMALIZE_FAST)
    dedupe = _patch(example_repo, TOKENS, OLD_DEDUPE, DEDUPE_FAST)
    clash = _patch(example_repo, TOKENS, OLD_DEDUPE, DEDUPE_OTHER)  # the same lines, otherwise
    broken = _patch(example_repo, RENDER, '"\\n"', '"\\r\\n"')  # every row ends otherwise
    units = [
        Unit(id="1", request="r", targets=[f"{STATS}::normalize"], thread="issue-3"),
        Unit(id="2", request="r", targets=[f"{TOKENS}::dedupe"], thread="issue-3"),
        Unit(id="3", request="r", targets=[f"{TOKENS}::tokenize"], thread="issue-3"),
        Unit(id="4", request="r", targets=[f"{RENDER}::render_table"], thread="issue-3"),
    ]
    folders = tmp_path / "downloaded"
    for unit, ratio, patch in zip(
        units, (0.3, 0.4, 0.5, 0.6), (normalize, dedupe, clash, broken), strict=True
    ):
        _unit_folder(folders, unit, run="77", ratio=ratio, patch=patch)
    plan = _plan(units, base=base, combine=True)
    out = tmp_path / "out"
    with Session("gather", example_repo, out=out, python=client_python) as session:
        forge = open_forge("local", session.settings, session.environ)
        gathered = gather_units(session, example_repo, plan, folders, forge=forge)
    [pub] = gathered.published
    assert pub.units == ["1", "2"] and pub.branch == "ciopt/issue-3"
    assert pub.left_out[0].startswith("unit 3: its patch conflicts with unit 1, unit 2")
    assert pub.left_out[1].startswith("unit 4: on top of the others, tests_failed")
    changed = git(example_repo, "diff", "--name-only", base, "ciopt/issue-3").split()
    assert sorted(changed) == [STATS, TOKENS]
    body = Path(pub.url.removeprefix("file://")).read_text() if pub.url else ""
    assert "2 verified optimizations, combined" in body and "Left out:" in body
