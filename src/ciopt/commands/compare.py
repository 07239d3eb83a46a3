"""``ciopt compare``: one commit measured against another, e.g. a PR's performance check."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt.client import Client
from ciopt.commands.common import Session, add_measure_flags, measure_flags
from ciopt.comparing import Sides, default_bench, measure_sides, open_client, prepare
from ciopt.errors import CioptError
from ciopt.git import Git
from ciopt.measure.setup import bench_options, calibration_floors, design
from ciopt.measured import describe, measurement_fields
from ciopt.report import render_compare
from ciopt.verdict import Correctness, Verdict
from ciopt.verifying import Rejection, Scope, Verifier, replay_options
from ciopt.workspace import Worktrees

__all__ = ["EXIT_FAIL_ON", "add_parser", "run"]

EXIT_FAIL_ON = 4  # the verdict is one that --fail-on names
REASONS = {
    "faster": "measured_faster",
    "slower": "measured_slower",
    "no_change": "within_min_effect",
    "inconclusive": "not_decided",
}


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "compare", help="measure HEAD against BASE with honest statistics; write verdict.json"
    )
    p.add_argument("--repo", type=Path, default=Path("."), help="the git checkout (default: .)")
    p.add_argument("--base", required=True, help="the reference commit (a ref or sha)")
    p.add_argument("--head", required=True, help="the commit to judge")
    p.add_argument(
        "--bench",
        action="append",
        help="benchmark file, folder or node id (repeatable; default: benchmarks/); the "
        "overall verdict comes from the ones named with ::, else the geometric mean of all",
    )
    p.add_argument(
        "--tests",
        action="append",
        help="test file, folder or node id for test parity (repeatable; default: all tests)",
    )
    p.add_argument(
        "--allow",
        action="append",
        help="path glob HEAD may change (repeatable; default: any file but tests, benchmarks, "
        "packaging and CI files)",
    )
    p.add_argument(
        "--no-verify",
        action="store_true",
        help="only measure: skip the guard, test parity and differential replay",
    )
    p.add_argument("--rel-tol", type=float, help="float tolerance when comparing results")
    p.add_argument("--measure", choices=("walltime", "instructions"), help="default: walltime")
    p.add_argument("--calibration", type=Path, help="a calibration.json (default: the latest)")
    p.add_argument(
        "--fail-on",
        action="append",
        choices=("slower", "inconclusive", "no_change", "faster"),
        help=f"exit {EXIT_FAIL_ON} when the verdict is this one (repeatable), for CI gates",
    )
    add_measure_flags(p)


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    cli = {
        **measure_flags(args),
        "measure": args.measure,
        "calibration": args.calibration,
        "rel_tol": args.rel_tol,
    }
    with Session("compare", args, environ, **cli) as session:
        settings, environ = session.settings, session.environ
        git = Git.open(args.repo)
        notes: list[str] = []
        with Worktrees(git) as trees:
            with session.tracer.span("workspace") as sp:
                selectors = tuple(args.bench or default_bench(git.path))
                sides = prepare(trees, git, args.base, args.head, selectors)
                sp.set(base=sides.base_sha, head=sides.head_sha, bench=list(selectors))
            session.on_error = lambda exc: _error(session, exc, sides.base_sha, sides.head_sha)
            executor = session.open_executor()
            notes += [executor.note] if executor.note else []
            client = open_client(
                settings, git, sides.base, environ, executor, ledger=session.ledger
            )
            correctness, rejection = Correctness(), None
            if not args.no_verify:
                correctness, rejection = _verify(
                    args, session, git, client, sides, selectors, notes
                )
            if rejection is not None:
                verdict = Verdict(
                    verdict="rejected",
                    reason=rejection.reason,
                    message=rejection.message,
                    base=sides.base_sha,
                    head=sides.head_sha,
                    correctness=correctness,
                    run_id=session.tracer.run_id,
                    notes=notes,
                    budget=session.ledger.snapshot(),
                )
                return _finish(session, verdict, args.fail_on)
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
        low = correctness.confidence == "low"
        verdict = Verdict(
            verdict=comparison.verdict,
            reason=REASONS[comparison.verdict],
            message=describe(comparison) + (" (low confidence in correctness)" if low else ""),
            correctness=correctness,
            base=sides.base_sha,
            head=sides.head_sha,
            confidence=exp.confidence,
            min_effect=exp.min_effect,
            run_id=session.tracer.run_id,
            notes=notes,
            budget=session.ledger.snapshot(),
            **measurement_fields(
                comparison,
                measure=settings.measure,
                calibration=str(calibration) if calibration else None,
            ),
        )
        return _finish(session, verdict, args.fail_on)


def _verify(
    args: argparse.Namespace,
    session: Session,
    git: Git,
    client: Client,
    sides: Sides,
    bench: tuple[str, ...],
    notes: list[str],
) -> tuple[Correctness, Rejection | None]:
    """HEAD judged against BASE: guard, test parity, differential replay of changed functions."""
    settings = session.settings
    changed = git.changed_files(sides.base_sha, sides.head_sha)
    if not changed:
        return Correctness(confidence="high"), None  # the same tree: nothing can differ
    scope = Scope(
        tests=tuple(args.tests or settings.tests.split()),
        bench=bench,
        allowed=tuple(args.allow or settings.allowed_paths or ["*"]),
    )
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


def _finish(session: Session, verdict: Verdict, fail_on: list[str] | None) -> int:
    session.out.write_verdict(verdict)
    session.out.write_report(render_compare(verdict))
    print(session.redactor.text(render_compare(verdict, "compare.txt.j2")), end="")
    print(f"results: {session.out.path}/ (verdict.json, report.md, trace.jsonl, bench/)")
    return EXIT_FAIL_ON if verdict.verdict in (fail_on or ()) else 0


def _error(session: Session, exc: CioptError, base: str, head: str) -> Verdict:
    return session.error_verdict(exc).model_copy(update={"base": base, "head": head})
