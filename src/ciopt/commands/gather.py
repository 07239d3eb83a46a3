"""``ciopt gather``: the units of a fanned-out run read back, and their winners published."""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt.commands.flags import add_run_flags, run_flags
from ciopt.flows import Gathered, Session, gather_units
from ciopt.forges import open_forge
from ciopt.job import gather_on_forge, gathered_verdict
from ciopt.plan import Plan
from ciopt.report import render_text
from ciopt.trace import Redactor

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


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    env = dict(os.environ if environ is None else environ)
    plan = Plan.read(args.plan)
    flags = {**run_flags(args), "forge": args.forge or plan.forge}
    if plan.threads:
        gathered = gather_on_forge(args.repo, env, flags, plan, args.units)
        out = Path(flags["out"] or "ciopt-out").resolve()
    else:
        with Session("gather", args.repo, env, **flags) as session:
            forge = open_forge(session.settings.forge, session.settings, env)
            gathered = gather_units(session, args.repo, plan, args.units, forge=forge)
            verdict = gathered_verdict(plan, gathered, session.tracer.run_id)
            session.out.write_verdict(verdict)
        out = session.out.path
    report = render_text("gather.md.j2", plan=plan, gathered=gathered)
    redact = Redactor.from_environ(env).text
    (out / "report.md").write_text(redact(report), encoding="utf-8")
    print(_summary(gathered))
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
