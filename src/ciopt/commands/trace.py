"""``ciopt trace``: read a run's ``trace.jsonl`` back, as a terminal summary or one HTML page."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ciopt.trace import read_trace, summarize, write_html

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("trace", help="read a run's trace.jsonl: a summary, or one HTML page")
    actions = p.add_subparsers(dest="action", required=True)
    show = actions.add_parser("show", help="print what the run did, spent and decided")
    show.add_argument("file", type=Path, help="the trace.jsonl (in the run's output folder)")
    page = actions.add_parser("html", help="write the trace as one self-contained HTML page")
    page.add_argument("file", type=Path, help="the trace.jsonl (in the run's output folder)")
    page.add_argument(
        "-o", "--out", type=Path, help="where to write the page (default: trace.html beside FILE)"
    )


def run(args: argparse.Namespace) -> int:
    trace: Path = args.file
    if args.action == "show":
        print(summarize(read_trace(trace)), end="")
        return 0
    out: Path = args.out or trace.with_name("trace.html")
    print(write_html(read_trace(trace), out))
    return 0
