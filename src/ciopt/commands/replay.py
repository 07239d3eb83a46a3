"""``ciopt replay TRACE``: run a recorded ``ciopt run`` again, the model's replies taken from it.

The repository, base commit, request and settings come from the trace's ``run.config`` event;
each model call is answered with the recorded reply for the same prompt hash. Measurements are
taken afresh, so replay shows whether the verdict holds, not that the numbers repeat. Nothing is
published. Exit 0 when the verdict and every candidate's fate are reproduced, 4 when not.
"""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt.agent.replayed import ReplayModel, recorded_calls
from ciopt.commands.common import Session
from ciopt.commands.run import optimize
from ciopt.errors import ConfigError
from ciopt.report.render import render_text
from ciopt.trace.read import TraceFile, read_trace

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("replay", help="run a recorded `ciopt run` again with its model replies")
    p.add_argument("trace", type=Path, help="the trace.jsonl of a `ciopt run`")
    p.add_argument("--repo", type=Path, help="the git checkout (default: the trace's)")
    p.add_argument("--out", type=Path, help="output folder (default: replay/ beside the trace)")
    p.add_argument("--python", help="the client's interpreter (default: the recorded one)")


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    trace = read_trace(args.trace)
    config = _config(trace)
    calls = recorded_calls(trace)
    model = ReplayModel(calls, args.trace.name)
    args.repo = args.repo or Path(str(trace.header.get("repo") or "."))
    args.out = args.out or args.trace.parent / "replay"
    settings = {
        **config["settings"],
        "base": config["base"],
        "forge": "none",
        "out": args.out,
        "python": args.python or config["settings"].get("python"),
    }
    with Session("replay", args, environ, **settings) as session:
        verdict = optimize(
            session,
            lambda: str(config["request_text"]),
            args.repo,
            models=lambda s: {"default": model, **dict.fromkeys(s.model_roles, model)},
        )
        recorded = trace.verdict or ("?", "?")
        then = {str(c.number): f"{c.outcome} ({c.reason})" for c in trace.candidates}
        now = {str(c.id): f"{c.outcome} ({c.reason})" for c in verdict.candidates}
        rows = [
            {"id": key, "now": now.get(key, "-"), "then": then.get(key, "-")}
            for key in dict.fromkeys([*then, *now])
        ]
        same = recorded == (verdict.verdict, verdict.reason) and then == now
        print(
            session.redactor.text(
                render_text(
                    "replay.txt.j2",
                    same=same,
                    recorded=recorded,
                    v=verdict,
                    model=model,
                    recorded_calls=len(calls),
                    rows=rows,
                    out=session.out.path,
                )
            )
        )
        return 0 if same else 4


def _config(trace: TraceFile) -> dict[str, Any]:
    """The recorded run's settings, request and base; refusing traces that cannot be replayed."""
    where = trace.path
    if trace.header.get("command") != "run":
        raise ConfigError(
            f"{where} is the trace of `ciopt {trace.header.get('command')}`; only the traces "
            "of `ciopt run` hold model replies to replay"
        )
    if trace.capture != "full":
        raise ConfigError(
            f"{where} was recorded with content_capture={trace.capture}: it holds hashes, not "
            "the model's replies, so it cannot be replayed; record with content_capture=full"
        )
    found = [e.get("attrs") or {} for e in trace.events if e.get("name") == "run.config"]
    if not found or not isinstance(found[-1].get("settings"), dict):
        raise ConfigError(
            f"{where} has no run.config event (the run stopped before it started, or an older "
            "ciopt wrote it); there is nothing to replay"
        )
    return dict(found[-1])
