"""``ciopt replay TRACE``: run a recorded ``ciopt run`` again, the model's replies taken from it.

Exit 0 when the verdict and every candidate's fate are reproduced, 4 when not (the flow:
``ciopt.flows.replay``).
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt.flows import Session, read_recording, replay_run
from ciopt.report import render_text

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("replay", help="run a recorded `ciopt run` again with its model replies")
    p.add_argument("trace", type=Path, help="the trace.jsonl of a `ciopt run`")
    p.add_argument("--repo", type=Path, help="the git checkout (default: the trace's)")
    p.add_argument("--out", type=Path, help="output folder (default: replay/ beside the trace)")
    p.add_argument("--python", help="the client's interpreter (default: the recorded one)")


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    recording = read_recording(args.trace)
    repo = args.repo or recording.repo
    out = args.out or args.trace.parent / "replay"
    settings = recording.settings(out=out, python=args.python)
    with Session("replay", repo, environ, **settings) as session:
        done = replay_run(session, recording, repo)
        print(
            session.redactor.text(
                render_text(
                    "replay.txt.j2",
                    same=done.same,
                    recorded=done.recorded,
                    v=done.verdict,
                    model=recording.model,
                    recorded_calls=len(recording.model.calls),
                    rows=done.rows,
                    out=session.out.path,
                )
            )
        )
        return 0 if done.same else 4
