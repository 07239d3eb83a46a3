"""``ciopt gather``: the units of a fanned-out run read back, and their winners published."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt.commands.display import Output, add_output_flags
from ciopt.commands.flags import add_run_flags, run_flags
from ciopt.config import load_settings
from ciopt.flows import Gathered, Session, gather_units
from ciopt.forges import open_forge
from ciopt.job import gather_on_forge, gathered_verdict
from ciopt.plan import Plan

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "gather",
        help="read the units' output folders back and publish the best candidate of each target",
        description="After the matrix jobs of a fanned-out run (ciopt run --unit): picks, per "
        "target, the best verified candidate of the units and opens its pull request (one per "
        "target, or one per request with --combine in ciopt plan). A unit that failed or left "
        "nothing is reported; the others are published. Exit 1 when a unit failed.",
    )
    p.add_argument("--repo", type=Path, default=Path("."), help="the git checkout (default: .)")
    p.add_argument(
        "--plan", type=Path, required=True, help="the plan ciopt plan wrote (JSON, or base64)"
    )
    p.add_argument(
        "--units",
        type=Path,
        required=True,
        help="the folder the units' output folders were downloaded into (searched recursively)",
    )
    add_run_flags(p)
    add_output_flags(p, document="verdict.json")


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    env = dict(os.environ if environ is None else environ)
    plan = Plan.read(args.plan)
    flags = {**run_flags(args), "forge": args.forge or plan.forge}
    output = Output.of(args, env)
    if plan.threads:
        with output.running() as display:
            gathered, results = gather_on_forge(
                args.repo, env, flags, plan, args.units, listeners=display.listeners
            )
        out = load_settings(args.repo if args.repo.is_dir() else None, **flags).out
    else:
        with (
            output.running() as display,
            Session("gather", args.repo, env, listeners=display.listeners, **flags) as session,
        ):
            forge = open_forge(session.settings.forge, session.settings, env)
            gathered = gather_units(session, args.repo, plan, args.units, forge=forge)
            session.out.write_verdict(gathered_verdict(plan, gathered, session.tracer.run_id))
        results, out = session.results_line(), session.out.path
    output.result(f"{_summary(gathered)}\n  {results}")
    output.document(out / "verdict.json")
    return 1 if gathered.failed else 0


def _summary(gathered: Gathered) -> str:
    lines = [
        f"ciopt: gathered {len(gathered.units)} unit(s): "
        f"{sum(u.state == 'done' for u in gathered.units)} done, {len(gathered.failed)} failed"
    ]
    for unit in gathered.units:
        said = f"{unit.verdict} ({unit.reason})" if unit.verdict else unit.message
        lines.append(f"  unit {unit.id}: {unit.state:<7} {', '.join(unit.targets)}: {said}")
    for pub in gathered.published:
        where = pub.url or pub.branch or "not published"
        lines.append(f"  published: {', '.join(pub.targets)} -> {where}")
        lines += [f"    left out: {why}" for why in pub.left_out]
    return "\n".join(lines)
