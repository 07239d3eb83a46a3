"""``ciopt dataset``: the verified winners of recorded runs, as examples for few-shot demos."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from ciopt.learn import build_dataset, write_dataset
from ciopt.trace import Redactor

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "dataset", help="examples for few-shot demos from runs recorded with full capture"
    )
    p.add_argument(
        "traces", nargs="+", type=Path, metavar="TRACE", help="trace.jsonl files of earlier runs"
    )
    p.add_argument("--out", type=Path, required=True, help="the JSONL file to write")
    p.add_argument(
        "--signature",
        default="propose_optimization",
        help="the signature whose predictions to keep (default: propose_optimization)",
    )


def run(args: argparse.Namespace) -> int:
    redactor = Redactor.from_environ(os.environ)
    found = build_dataset(args.traces, redactor=redactor, signature=args.signature)
    write_dataset(found.examples, args.out)
    count = len(found.examples)
    notes = [f"{found.winners} winner(s) in {len(args.traces)} trace(s)"]
    if found.duplicates:
        notes.append(f"{found.duplicates} duplicate(s) dropped")
    if found.without_inputs:
        notes.append(f"{found.without_inputs} without recorded inputs (an older ciopt) skipped")
    print(f"{count} example{'' if count == 1 else 's'} written to {args.out} ({'; '.join(notes)})")
    return 0
