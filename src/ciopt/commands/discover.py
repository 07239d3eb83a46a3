"""``ciopt discover``: the project's hottest functions while its benchmarks run, as targets."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt import flows  # flows.discover: the function (the module of that name is private)
from ciopt.client import default_bench
from ciopt.commands.display import Output, add_output_flags
from ciopt.commands.flags import add_executor_flags, add_out_flags
from ciopt.flows import Session
from ciopt.git import Git
from ciopt.report import render_discovery

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "discover",
        help="run the benchmarks once under the profiler; rank the project's functions by "
        "their share of the time and propose the hottest as targets (discovery.json)",
    )
    p.add_argument("--repo", type=Path, default=Path("."), help="the git checkout (default: .)")
    p.add_argument(
        "--bench",
        nargs="+",
        action="extend",
        metavar="SELECTOR",
        help="benchmark files, folders or node ids (default: the bench setting, else benchmarks/)",
    )
    p.add_argument(
        "--top",
        type=int,
        help="how many of the hottest functions to propose (default: discover_top, 4)",
    )
    p.add_argument("--base", help="the commit to profile (default: HEAD)")
    p.add_argument("--python", help="the client's interpreter (default: .venv/bin/python, python3)")
    add_out_flags(p)
    add_executor_flags(p)
    add_output_flags(p, document="discovery.json")


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    cli = {
        "python": args.python,
        "out": args.out,
        "keep_work": args.keep_work,
        "executor": args.executor,
        "image": args.image,
        "base": args.base,
        "discover_top": args.top,
    }
    output = Output.of(args, environ)
    with (
        output.running() as display,
        Session("discover", args.repo, environ, listeners=display.listeners, **cli) as session,
    ):
        settings = session.settings
        git = Git.open(args.repo)
        bench = args.bench or settings.bench or default_bench(git.path)
        found = flows.discover(session, git, bench=bench, top=settings.discover_top)
        said = session.redactor.text(render_discovery(found))
    # once closed: the trace's OTLP and HTML are written, and the trace sinks have had it
    output.result(said + session.results_line())
    output.document(session.out.path / "discovery.json")
    return 0
