"""``ciopt compare``: one commit measured against another, e.g. a PR's performance check."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt.commands.display import Output, add_output_flags
from ciopt.commands.flags import add_measure_flags, measure_flags
from ciopt.flows import Session, compare_commits
from ciopt.report import render_compare

__all__ = ["EXIT_FAIL_ON", "add_parser", "run"]

EXIT_FAIL_ON = 4  # the verdict is one that --fail-on names


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
    add_output_flags(p, document="verdict.json")


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    cli = {
        **measure_flags(args),
        "measure": args.measure,
        "calibration": args.calibration,
        "rel_tol": args.rel_tol,
    }
    output = Output.of(args, environ)
    with (
        output.running() as display,
        Session("compare", args.repo, environ, listeners=display.listeners, **cli) as session,
    ):
        verdict = compare_commits(
            session,
            args.repo,
            args.base,
            args.head,
            bench=args.bench or (),
            tests=args.tests or (),
            allow=args.allow or (),
            verify=not args.no_verify,
        )
        said = session.redactor.text(render_compare(verdict, "compare.txt.j2"))
    # once closed: the trace's OTLP and HTML are written, and the trace sinks have had it
    output.result(said + session.results_line())
    output.document(session.out.path / "verdict.json")
    return EXIT_FAIL_ON if verdict.verdict in (args.fail_on or ()) else 0
