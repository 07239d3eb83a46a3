"""``ciopt gather``: the units' output folders read back, the best verified candidate of each
target picked, and published: one pull request a target, or, with ``combine_targets``, one for
a thread's targets.

A unit that left no verdict (its job was killed, or uploaded nothing) or failed is reported and
never costs the others their results. A unit's patch is trusted no more than a candidate: it is
applied only when it changes nothing but its own targets' files. Combined, each winner is
applied on top of the ones already joined and verified again there (the guard, test parity and
differential replay against the base); one that conflicts or fails stays out, and is said.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from ciopt.client import Worktrees, included_files, open_client
from ciopt.flows.fanout import UNIT_FILE
from ciopt.flows.pipeline import pr_title
from ciopt.flows.session import Session
from ciopt.forges import Forge
from ciopt.git import Git, run_git
from ciopt.plan import Plan, Unit
from ciopt.report import render_report, render_text
from ciopt.verdict import Verdict
from ciopt.verify import Scope, Verifier, replay_options

__all__ = ["Gathered", "Published", "UnitState", "gather_units", "patched_files"]

State = Literal["done", "failed", "missing"]


class UnitState(BaseModel):
    """How one unit ended, as gather found its folder."""

    id: str
    targets: list[str]
    thread: str | None = None
    state: State
    verdict: str | None = None  # the unit's verdict word
    reason: str | None = None
    message: str = ""
    ratio: float | None = None
    candidates: int = 0  # tried
    spent: dict[str, float] = {}
    picked: bool = False  # its candidate is in a pull request


class Published(BaseModel):
    thread: str | None = None
    targets: list[str]
    units: list[str]  # whose candidates it holds
    branch: str | None = None
    url: str | None = None
    ratio: float | None = None
    left_out: list[str] = []  # units not combined, and why


class Gathered(BaseModel):
    units: list[UnitState]
    published: list[Published] = []
    notes: list[str] = []

    @property
    def failed(self) -> list[UnitState]:
        return [u for u in self.units if u.state != "done"]


@dataclass
class _Found:
    unit: Unit
    state: UnitState
    verdict: Verdict | None = None
    patch: str = ""


def gather_units(
    session: Session,
    repo: Path,
    plan: Plan,
    units_dir: Path,
    *,
    forge: Forge,
    into: str | None = None,
) -> Gathered:
    """Read every unit's folder under ``units_dir`` (found by its ``unit.json``), publish the
    winners on ``forge``."""
    git = Git.open(repo)
    with session.tracer.span("gather.collect", units=len(plan.units)) as sp:
        found = _collect(plan, units_dir)
        sp.set(states={f.unit.id: f.state.state for f in found})
    groups: dict[str, list[_Found]] = {}
    for item in found:
        groups.setdefault(item.unit.group, []).append(item)
    best = [w for w in (_best(items) for items in groups.values()) if w is not None]
    published: list[Published] = []
    notes = [
        f"unit {f.unit.id} ({', '.join(f.unit.targets)}): {f.state.message}"
        for f in found
        if f.state.state != "done"
    ]
    with Worktrees(git) as trees:
        included = included_files(git, session.settings.worktree_include, ())
        trees.include = included.files
        if plan.combine:
            by_thread: dict[str | None, list[_Found]] = {}
            for winner in best:
                by_thread.setdefault(winner.unit.thread, []).append(winner)
            for thread, winners in by_thread.items():
                published.append(
                    _combined(session, git, trees, plan, thread, winners, forge, into, found)
                )
        else:
            for winner in best:
                published.append(_single(session, git, trees, plan, winner, forge, into, found))
    gathered = Gathered(units=[f.state for f in found], published=published, notes=notes)
    session.out.write("gather.json", gathered.model_dump_json(indent=2) + "\n")
    session.out.write_report(render_text("gather.md.j2", plan=plan, gathered=gathered))
    return gathered


# -- reading the units' folders -----------------------------------------------------------------


def _collect(plan: Plan, units_dir: Path) -> list[_Found]:
    """Each planned unit's latest folder under ``units_dir``: one whose ``unit.json`` names the
    unit and this plan's run (another run's units may be downloaded beside these), the one
    started last when a job was run again; a unit with none is ``missing``."""
    latest: dict[str, tuple[str, Path]] = {}
    for stamp in units_dir.rglob(UNIT_FILE):
        found = _unit_of(stamp, plan.run)
        if found is not None:
            unit_id, started = found
            if unit_id not in latest or started >= latest[unit_id][0]:
                latest[unit_id] = (started, stamp.parent)
    return [_read(unit, latest[unit.id][1] if unit.id in latest else None) for unit in plan.units]


def _unit_of(stamp: Path, run: str) -> tuple[str, str] | None:
    """The unit a ``unit.json`` names and when it started, if it is of the plan's ``run``."""
    try:
        data = json.loads(stamp.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("run") != run or data.get("unit") is None:
        return None
    return str(data["unit"]), str(data.get("started_at", ""))


def _read(unit: Unit, folder: Path | None) -> _Found:
    state = UnitState(id=unit.id, targets=unit.targets, thread=unit.thread, state="missing")
    if folder is None:
        state.message = "no output: its job was cancelled or killed, or uploaded nothing"
        return _Found(unit, state)
    path = folder / "verdict.json"
    try:
        verdict = Verdict.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError) as exc:
        state.state = "failed"
        state.message = (
            "it ended without a verdict (killed half-way?)"
            if isinstance(exc, OSError)
            else f"its verdict.json is unreadable: {str(exc).splitlines()[0]}"
        )
        return _Found(unit, state)
    spent = verdict.budget.get("spent", {}) if isinstance(verdict.budget, dict) else {}
    state = state.model_copy(
        update={
            "state": "failed" if verdict.verdict == "error" else "done",
            "verdict": verdict.verdict,
            "reason": verdict.reason,
            "message": verdict.message,
            "ratio": verdict.ratio,
            "candidates": len(verdict.candidates),
            "spent": {k: float(v) for k, v in spent.items()},
        }
    )
    patch = folder / "patch.diff"
    text = patch.read_text(encoding="utf-8") if patch.is_file() else ""
    allowed = {t.partition("::")[0] for t in unit.targets}
    outside = sorted(patched_files(text) - allowed)
    if outside:  # a unit's folder is trusted no more than a candidate
        state = state.model_copy(
            update={
                "state": "failed",
                "message": f"its patch changes {', '.join(outside)}, not only its targets' "
                f"files ({', '.join(sorted(allowed))}): refused",
            }
        )
        return _Found(unit, state, verdict, "")
    return _Found(unit, state, verdict, text)


def _best(items: Sequence[_Found]) -> _Found | None:
    """The verified winner with the lowest ratio among a group's units."""
    won = [
        f
        for f in items
        if f.verdict is not None
        and f.verdict.reason == "verified_faster"
        and f.verdict.ratio is not None
        and f.patch
    ]
    return (
        min(won, key=lambda f: f.verdict.ratio if f.verdict and f.verdict.ratio else 1.0)
        if won
        else None
    )


# -- publishing ---------------------------------------------------------------------------------


def _single(
    session: Session,
    git: Git,
    trees: Worktrees,
    plan: Plan,
    winner: _Found,
    forge: Forge,
    into: str | None,
    found: Sequence[_Found],
) -> Published:
    """One pull request for one group's best candidate."""
    assert winner.verdict is not None
    unit = winner.unit
    with session.tracer.span("gather.publish", unit=unit.id, targets=unit.targets) as sp:
        head = _apply(trees, plan.base, f"unit-{unit.id}", winner)
        branch = f"ciopt/{_slug(plan, unit.thread, unit.targets)}"
        verdict = winner.verdict.model_copy(update={"branch": branch, "discovery": plan.discovery})
        winner.state.picked = head is not None
        body = render_report(verdict) + _fanout(plan, found, [unit.id])
        if head is None:  # on the base it was measured on: only a corrupt patch does this
            sp.set(applied=False)
            return Published(
                thread=unit.thread,
                targets=unit.targets,
                units=[],
                left_out=[f"unit {unit.id}: its patch does not apply on {plan.base[:12]}"],
            )
        pub = forge.publish(
            git, branch=branch, head=head, title=pr_title(verdict), body=body, base=into
        )
        sp.set(branch=pub.branch, url=pub.url, updated=pub.updated)
    return Published(
        thread=unit.thread,
        targets=unit.targets,
        units=[unit.id],
        branch=pub.branch or None,
        url=pub.url or None,
        ratio=verdict.ratio,
    )


def _combined(
    session: Session,
    git: Git,
    trees: Worktrees,
    plan: Plan,
    thread: str | None,
    winners: Sequence[_Found],
    forge: Forge,
    into: str | None,
    found: Sequence[_Found],
) -> Published:
    """One pull request for a thread's winners: each applied on top of those already in, and
    verified there against the base; one that conflicts or fails stays out."""
    ranked = sorted(winners, key=lambda f: f.verdict.ratio if f.verdict and f.verdict.ratio else 1)
    targets = [t for w in ranked for t in w.unit.targets]
    settings = session.settings
    base_root = trees.add("base", plan.base)
    executor = session.open_executor()
    client = open_client(settings, git, base_root, session.environ, executor, ledger=session.ledger)
    files = sorted({t.partition("::")[0] for t in targets})
    verifier = Verifier(
        client,
        base_root,
        Scope(
            tests=tuple(settings.tests.split()),
            bench=tuple(settings.bench),
            allowed=tuple(files),
            targets=tuple(targets),
        ),
        replay_options(settings),
        tracer=session.tracer,
        work=session.out.work,
        test_timeout=settings.test_timeout,
    )
    verifier.baseline(files)
    current, joined, left_out = plan.base, list[_Found](), list[str]()
    for winner in ranked:
        unit = winner.unit
        with session.tracer.span("gather.combine", unit=unit.id, targets=unit.targets) as sp:
            head = _apply(trees, current, f"combined-{unit.id}", winner)
            if head is None:
                with_ = ", ".join(f"unit {w.unit.id}" for w in joined)
                left_out.append(f"unit {unit.id}: its patch conflicts with {with_}")
                sp.set(joined=False, why="conflict")
                continue
            _, rejected = verifier.verify(
                git, plan.base, head, trees.root / f"combined-{unit.id}", unit=unit.id
            )
            if rejected is not None:
                left_out.append(
                    f"unit {unit.id}: on top of the others, {rejected.reason}: {rejected.message}"
                )
                sp.set(joined=False, why=rejected.reason)
                continue
            sp.set(joined=True)
            current = head
            joined.append(winner)
            winner.state.picked = True
    if not joined:
        return Published(thread=thread, targets=targets, units=[], left_out=left_out)
    branch = f"ciopt/{_slug(plan, thread, targets)}"
    names = ", ".join(t.split("::")[-1] for w in joined for t in w.unit.targets)
    body = render_text(
        "combined.md.j2",
        joined=[w.verdict for w in joined],
        reports=[render_report(w.verdict) for w in joined if w.verdict],
        left_out=left_out,
    ) + _fanout(plan, found, [w.unit.id for w in joined])
    with session.tracer.span("gather.publish", units=[w.unit.id for w in joined]) as sp:
        pub = forge.publish(
            git, branch=branch, head=current, title=f"perf: {names}", body=body, base=into
        )
        sp.set(branch=pub.branch, url=pub.url, updated=pub.updated, left_out=left_out)
    return Published(
        thread=thread,
        targets=[t for w in joined for t in w.unit.targets],
        units=[w.unit.id for w in joined],
        branch=pub.branch or None,
        url=pub.url or None,
        left_out=left_out,
    )


def _apply(trees: Worktrees, at: str, name: str, winner: _Found) -> str | None:
    """A commit of ``winner``'s patch on ``at``, in a worktree of its own; None when the patch
    does not apply there (``_read`` has checked which files it changes)."""
    root = trees.add(name, at)
    if not run_git(["apply", "--check", "-"], cwd=root, stdin=winner.patch).ok:
        return None
    tree = Git(root)
    tree("apply", "-", stdin=winner.patch)
    tree("add", "--update", "--", *sorted(patched_files(winner.patch)))
    said = winner.verdict.title if winner.verdict and winner.verdict.title else "perf"
    tree("commit", "--quiet", "--no-verify", "-m", f"{said}\n\nciopt unit {winner.unit.id}")
    return tree("rev-parse", "HEAD")


def patched_files(patch: str) -> set[str]:
    """Every path a git patch names (old and new sides, renames and copies), or a path that
    cannot be allowed when it holds a binary patch."""
    files: set[str] = set()
    for line in patch.splitlines():
        if line.startswith(("--- a/", "+++ b/")):
            files.add(line[6:])
        elif line.startswith(("rename from ", "rename to ", "copy from ", "copy to ")):
            files.add(line.split(" ", 2)[2])
        elif line.startswith("diff --git "):
            files.update(part[2:] for part in line.split()[2:4] if part[:2] in ("a/", "b/"))
        elif line.startswith("GIT binary patch"):
            files.add("<binary>")
    return files


def _fanout(plan: Plan, found: Sequence[_Found], picked: Sequence[str]) -> str:
    """The units table that ends every gathered pull request's body."""
    return render_text("fanout.md.j2", plan=plan, units=[f.state for f in found], picked=picked)


def _slug(plan: Plan, thread: str | None, targets: Sequence[str]) -> str:
    """The branch name's slug, stable across runs of the same request (a re-run updates its
    pull request): the thread's, plus the target's when a thread has one per target; with no
    thread, the target's (``combined-`` and the first target's, for a combined one)."""
    path, _, name = targets[0].partition("::")
    target = f"{Path(path).stem}-{name.replace('.', '-')}"
    if thread:
        raw = thread if plan.kind != "targets" or plan.combine else f"{thread}-{target}"
    else:
        raw = f"combined-{target}" if plan.combine else target
    return re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")[:60] or "run"
