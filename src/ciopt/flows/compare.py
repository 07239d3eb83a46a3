"""``ciopt compare``'s flow: one commit measured against another, its correctness checked first.

A worktree per side; the head judged against the base (guard, test parity, differential replay
of what changed) unless ``verify`` is off; then measured, in wall time or in instructions. The
verdict (``verdicts.compare_verdict``) and its report are written to the session's folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from ciopt.client import (
    Client,
    Sides,
    Worktrees,
    default_bench,
    included_files,
    open_client,
    prepare,
)
from ciopt.errors import CioptError
from ciopt.flows.session import Session
from ciopt.flows.stops import with_overruns
from ciopt.flows.verdicts import compare_verdict
from ciopt.git import Git
from ciopt.measure import bench_options, calibration_floors, design, measure_sides
from ciopt.report import render_compare
from ciopt.verdict import Correctness, Verdict
from ciopt.verify import Rejection, Scope, Verifier, replay_options

__all__ = ["compare_commits"]


def compare_commits(
    session: Session,
    repo: Path,
    base: str,
    head: str,
    *,
    bench: Sequence[str] = (),
    tests: Sequence[str] = (),
    allow: Sequence[str] = (),
    verify: bool = True,
) -> Verdict:
    """``head`` against ``base`` in ``repo``: ``bench`` selects the benchmarks (default
    ``benchmarks/``), ``tests`` the parity tests (default: the settings'), ``allow`` the paths
    the head may change (default: the settings', else any file but the protected ones)."""
    settings, environ = session.settings, session.environ
    git = Git.open(repo)
    notes: list[str] = []
    with Worktrees(git) as trees:
        with session.tracer.span("workspace") as sp:
            selectors = tuple(bench or default_bench(git.path))
            included = included_files(git, settings.worktree_include, ())
            session.tracer.event("worktree.include", **included.fields())
            trees.include = included.files
            sides = prepare(trees, git, base, head, selectors)
            sp.set(base=sides.base_sha, head=sides.head_sha, bench=list(selectors))
        session.on_error = lambda exc: _error(session, exc, sides.base_sha, sides.head_sha)
        executor = session.open_executor()
        notes += [executor.note] if executor.note else []
        client = open_client(settings, git, sides.base, environ, executor, ledger=session.ledger)
        correctness, rejection = Correctness(), None
        if verify:
            scope = Scope(
                tests=tuple(tests or settings.tests.split()),
                bench=selectors,
                allowed=tuple(allow or settings.allowed_paths or ["*"]),
            )
            correctness, rejection = _verify(session, git, client, sides, scope, notes)
        if rejection is not None:
            verdict = Verdict(
                verdict="rejected",
                reason=rejection.reason,
                message=rejection.message,
                correctness=correctness,
            )
            return _finish(session, verdict, sides, notes)
        floors, calibration = calibration_floors(settings, git, notes, settings.measure)
        exp = design(settings, selectors=selectors, floors=floors)
        comparison = measure_sides(
            client,
            sides,
            bench_options(settings, selectors),
            exp,
            measure=settings.measure,
            ledger=session.ledger,
            tracer=session.tracer,
            bench_dir=session.out.bench,
        )
    verdict = compare_verdict(
        comparison,
        correctness,
        measure=settings.measure,
        calibration=str(calibration) if calibration else None,
    )
    verdict = verdict.model_copy(
        update={"confidence": exp.confidence, "min_effect": exp.min_effect}
    )
    return _finish(session, verdict, sides, notes)


def _verify(
    session: Session,
    git: Git,
    client: Client,
    sides: Sides,
    scope: Scope,
    notes: list[str],
) -> tuple[Correctness, Rejection | None]:
    """HEAD judged against BASE: guard, test parity, differential replay of changed functions."""
    settings = session.settings
    changed = git.changed_files(sides.base_sha, sides.head_sha)
    if not changed:
        return Correctness(confidence="high"), None  # the same tree: nothing can differ
    verifier = Verifier(
        client,
        sides.base,
        scope,
        replay_options(settings),
        tracer=session.tracer,
        work=session.out.work,
        test_timeout=settings.test_timeout,
    )
    verifier.baseline(record=[path for path in changed if path.endswith(".py")])
    found = verifier.verify(git, sides.base_sha, sides.head_sha, sides.head, side="head")
    notes += verifier.notes
    return found


def _finish(session: Session, verdict: Verdict, sides: Sides, notes: list[str]) -> Verdict:
    """The verdict with the compare's facts, written with its report."""
    verdict = verdict.model_copy(
        update={
            "base": sides.base_sha,
            "head": sides.head_sha,
            "run_id": session.tracer.run_id,
            "notes": notes,
            "budget": session.ledger.snapshot(),
            "isolation": session.isolation,
            "trace_sinks": session.sink_targets,
        }
    )
    verdict = with_overruns(verdict, session.ledger)
    session.out.write_verdict(verdict)
    session.out.write_report(render_compare(verdict))
    return verdict


def _error(session: Session, exc: CioptError, base: str, head: str) -> Verdict:
    return session.error_verdict(exc).model_copy(update={"base": base, "head": head})
