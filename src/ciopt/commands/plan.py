"""``ciopt plan``: the work at hand as units for the CI's own matrix (GitHub Actions
``strategy.matrix``, a GitLab child pipeline with ``parallel:matrix``)."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt.commands.display import Output, add_output_flags
from ciopt.commands.flags import add_request_flags, add_run_flags, request_text, run_flags
from ciopt.config import load_settings
from ciopt.flows import Session, plan_units
from ciopt.job import GitLabChild, ci_run, plan_on_forge
from ciopt.plan import Plan

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "plan",
        help="split a request into units for CI matrix jobs (ciopt run --unit, then ciopt gather)",
        description="Plan a fanned-out run: a request that names no target gets a unit per "
        "discovered target; one that names its target gets --units units sharing its "
        "candidates; a poll gets a unit per request. Each unit has its share of the budget.",
    )
    add_request_flags(
        p,
        example="bench=benchmarks candidates=6",
        poll="with --forge github/gitlab/jira: plan up to N open requests found through the API",
    )
    p.add_argument(
        "--units",
        type=int,
        default=1,
        help="for a request that names its target: units sharing its candidates (default: 1)",
    )
    p.add_argument("--max-parallel", type=int, help="most units running at once (default: 4)")
    p.add_argument(
        "--combine",
        action="store_true",
        default=None,
        help="gather publishes one pull request for a thread's targets, not one each",
    )
    p.add_argument(
        "--github-output",
        type=Path,
        help="append matrix=, units=, max_parallel= and plan= (base64) here ($GITHUB_OUTPUT)",
    )
    p.add_argument(
        "--gitlab-child",
        type=Path,
        metavar="FILE",
        help="write the GitLab child pipeline that runs the units and gathers them here (the "
        "component's job in mode fanout; its trigger job includes it)",
    )
    add_run_flags(p)
    add_output_flags(p, document="plan.json")


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    env = dict(os.environ if environ is None else environ)
    flags = {
        **run_flags(args),
        "max_parallel": args.max_parallel,
        "combine_targets": args.combine,
    }
    # the child pipeline's settings are checked before a thread is claimed
    child = GitLabChild.from_environ(env) if args.gitlab_child else None
    output = Output.of(args, env)
    if args.request is None and args.request_file is None:
        with output.running() as display:
            plan, results = plan_on_forge(
                args.repo, env, flags, units=args.units, poll=args.poll, listeners=display.listeners
            )
        out = load_settings(args.repo if args.repo.is_dir() else None, **flags).out
    else:
        with (
            output.running() as display,
            Session("plan", args.repo, env, listeners=display.listeners, **flags) as session,
        ):
            plan = plan_units(
                session,
                args.repo,
                request_text(args),
                units=args.units,
                run=ci_run(env, session.tracer.run_id),
            )
            session.out.write("plan.json", plan.to_json())
        results, out = session.results_line(), session.out.path
    output.result(_summary(plan, results))
    output.document(out / "plan.json")
    if args.github_output:
        with args.github_output.open("a", encoding="utf-8") as handle:
            handle.write(github_outputs(plan))
    if child is not None and args.gitlab_child:
        args.gitlab_child.parent.mkdir(parents=True, exist_ok=True)
        args.gitlab_child.write_text(child.render(plan), encoding="utf-8")
        output.result(f"  child pipeline: {args.gitlab_child}")
    return 0


def github_outputs(plan: Plan) -> str:
    """The plan as a job's outputs: the matrix, its size, the bound, and the plan itself."""
    return (
        f"matrix={plan.matrix()}\n"
        f"units={len(plan.units)}\n"
        f"max_parallel={plan.max_parallel}\n"
        f"plan={plan.encoded()}\n"
    )


def _summary(plan: Plan, results: str) -> str:
    lines = [
        f"ciopt: planned {len(plan.units)} unit(s) ({plan.kind}), at most {plan.max_parallel} "
        f"at once, on {plan.base[:12] or 'no commit'}"
    ]
    for unit in plan.units:
        share = ", ".join(
            f"{k}={v:g}" for k, v in unit.limits.items() if k in ("candidates", "llm_calls")
        )
        lines.append(f"  unit {unit.id}: {', '.join(unit.targets)} ({share})")
    lines += [f"  note: {note}" for note in plan.notes]
    lines.append(f"  {results}")
    return "\n".join(lines)
