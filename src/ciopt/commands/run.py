"""``ciopt run``: one optimization request, end to end."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt.commands.flags import add_run_flags, request_text, run_flags
from ciopt.errors import RequestError
from ciopt.flows import Session, optimize_request, run_unit
from ciopt.job import answer_requests
from ciopt.plan import Plan
from ciopt.verdict import Verdict

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("run", help="optimize the target a request names, and publish the result")
    p.add_argument("--repo", type=Path, default=Path("."), help="the git checkout (default: .)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--request", help="request text, e.g. 'target=src/m.py::f bench=benchmarks'")
    src.add_argument("--request-file", type=Path, help="a file holding the request text")
    src.add_argument(
        "--poll",
        type=int,
        nargs="?",
        const=5,
        metavar="N",
        help="with --forge github/gitlab: answer up to N open requests found through the API "
        "(default 5), for scheduled pipelines. Without --request or --poll, the CI event that "
        "started the job is answered",
    )
    add_run_flags(p)
    p.add_argument(
        "--unit",
        metavar="ID",
        help="run one unit of a fanned-out run (a CI matrix job): the unit ID of --plan; "
        "nothing is published, ciopt gather does that",
    )
    p.add_argument(
        "--plan", type=Path, help="with --unit: the plan ciopt plan wrote (JSON, or its base64)"
    )


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    if args.unit is not None or args.plan is not None:
        return _unit(args, environ)
    if args.request is None and args.request_file is None:
        env = dict(os.environ if environ is None else environ)
        return answer_requests(args.repo, env, run_flags(args), poll=args.poll)
    with Session("run", args.repo, environ, **run_flags(args)) as session:
        verdict = optimize_request(session, lambda: request_text(args), args.repo)
    # once the session has closed: the trace's OTLP and HTML copies are written then, and the
    # trace sinks have had it
    print(session.redactor.text(_summary(verdict, session.results_line())))
    return 0


def _summary(verdict: Verdict, results: str) -> str:
    lines = [f"ciopt: {verdict.verdict} ({verdict.reason}) - {verdict.message}"]
    if verdict.stopped_message:
        over = verdict.stopped_by in verdict.budget.get("limits", {})  # a limit gone past
        said = "over budget" if over else "stopped early"
        lines.append(f"  {said} ({verdict.stopped_by}): {verdict.stopped_message}")
    for cand in verdict.candidates:
        lines.append(f"  candidate {cand.id}: {cand.outcome:<12} {cand.reason}: {cand.message}")
    if verdict.branch:
        lines.append(f"  published: branch {verdict.branch} ({verdict.pr_url})")
    lines.append(f"  {results}")
    return "\n".join(lines)


def _unit(args: argparse.Namespace, environ: Mapping[str, str] | None) -> int:
    if args.unit is None or args.plan is None:
        raise RequestError("--unit and --plan go together: ciopt run --unit ID --plan plan.json")
    if args.request is not None or args.request_file is not None or args.poll is not None:
        raise RequestError("--unit runs the plan's request; drop --request, --request-file, --poll")
    plan = Plan.read(args.plan)
    unit = plan.unit(str(args.unit))
    flags = {**run_flags(args), "forge": plan.forge}
    with Session("run", args.repo, environ, **_shared(flags, unit.limits)) as session:
        verdict = run_unit(session, args.repo, plan, unit)
    print(session.redactor.text(_summary(verdict, session.results_line())))
    return 1 if verdict.verdict == "error" else 0


def _shared(flags: dict[str, Any], share: Mapping[str, float]) -> dict[str, Any]:
    """The flags with the unit's share of the budget as its limits (a flag's own lower)."""
    limits = dict(share)
    for name, value in (flags.get("limits") or {}).items():
        limits[name] = min(value, limits.get(name, value))
    return {**flags, "limits": limits}
