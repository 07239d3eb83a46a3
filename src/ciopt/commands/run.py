"""``ciopt run``: one optimization request, end to end."""

from __future__ import annotations

import argparse
import os
import platform
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt import __version__
from ciopt.agent import Model, open_model
from ciopt.budget import Ledger
from ciopt.config import Settings, load_settings
from ciopt.errors import CioptError, ConfigError, RepoError, RequestError
from ciopt.executors import open_executor
from ciopt.forges import open_forge
from ciopt.git import Git
from ciopt.output import OutputDir
from ciopt.pipeline import Run
from ciopt.request import parse_request
from ciopt.trace import Redactor, Tracer
from ciopt.verdict import Verdict

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("run", help="optimize the target a request names, and publish the result")
    p.add_argument("--repo", type=Path, default=Path("."), help="the git checkout (default: .)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--request", help="request text, e.g. 'target=src/m.py::f bench=benchmarks'")
    src.add_argument("--request-file", type=Path, help="a file holding the request text")
    p.add_argument("--model", help="litellm model string, or scripted:FILE.jsonl")
    p.add_argument("--api-base", help="the model's endpoint (vLLM, llama.cpp, a proxy)")
    p.add_argument("--python", help="the client's interpreter (default: .venv/bin/python, python3)")
    p.add_argument("--out", type=Path, help="output folder (default: ciopt-out)")
    p.add_argument("--base", help="the commit to optimize (default: HEAD)")
    p.add_argument("--executor", help="where code under test runs (default: local)")
    p.add_argument("--forge", help="where the result is published (default: local)")
    p.add_argument("--rounds", type=int, help="interleaved A/B rounds per candidate")
    p.add_argument("--candidates", type=int, help="most candidates to try")
    p.add_argument("--max-llm-calls", type=int, help="most model calls")
    p.add_argument("--max-cost-usd", type=float, help="most spent on the model, in USD")
    p.add_argument("--max-minutes", type=float, help="most wall time for the whole run")


def run(args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> int:
    environ = dict(os.environ if environ is None else environ)
    redactor = Redactor.from_environ(environ)
    settings, config_error = _settings(args)
    out = OutputDir(settings.out if settings else (args.out or Path("ciopt-out")), redactor)
    tracer = Tracer(out.trace, redactor=redactor, header=_header(args))
    ledger = Ledger(settings.limits if settings else Settings.model_construct().limits)
    tracer.budget = ledger.snapshot
    current: Run | None = None
    try:
        if config_error is not None or settings is None:
            raise config_error or ConfigError("no settings")
        with tracer.span("request") as sp:
            request = parse_request(_request_text(args))
            limits, capped = settings.limits.narrowed(**request.limit_overrides)
            ledger.limits = limits
            sp.set(request=request.model_dump(), limits=limits.model_dump(), capped=capped)
            git = _clean_repo(args.repo)
        model: Model = open_model(
            settings.model, api_base=settings.api_base, timeout=settings.llm_timeout
        )
        current = Run(
            settings,
            request,
            git=git,
            model=model,
            executor=open_executor(settings.executor),
            forge=open_forge(settings.forge),
            tracer=tracer,
            ledger=ledger,
            out=out,
            environ=environ,
        )
        current.notes.extend(capped)
        verdict = current.execute()
        print(_summary(verdict, out.path))
        return 0
    except CioptError as exc:
        tracer.exception(exc)
        if current is not None:
            current.failed(exc, exc.reason)
        else:
            out.write_verdict(_early_error(exc, tracer.run_id, ledger))
        raise
    except BaseException as exc:
        tracer.exception(exc)
        raise
    finally:
        tracer.close()


def _settings(args: argparse.Namespace) -> tuple[Settings | None, ConfigError | None]:
    limits = {
        "candidates": args.candidates,
        "llm_calls": args.max_llm_calls,
        "cost_usd": args.max_cost_usd,
        "wall_seconds": args.max_minutes * 60 if args.max_minutes else None,
    }
    cli: dict[str, Any] = {
        "model": args.model,
        "api_base": args.api_base,
        "python": args.python,
        "out": args.out,
        "base": args.base,
        "executor": args.executor,
        "forge": args.forge,
        "rounds": args.rounds,
        # merged key by key over the limits from the environment and the repo's files
        "limits": {k: v for k, v in limits.items() if v is not None} or None,
    }
    try:
        return load_settings(args.repo if args.repo.is_dir() else None, **cli), None
    except ConfigError as exc:
        return None, exc


def _request_text(args: argparse.Namespace) -> str:
    if args.request is not None:
        return str(args.request)
    path: Path = args.request_file
    if not path.is_file():
        raise RequestError(f"--request-file {path} does not exist")
    return path.read_text(encoding="utf-8", errors="replace")


def _clean_repo(path: Path) -> Git:
    git = Git.open(path)
    dirty = git.dirty_files()
    if dirty:
        shown = ", ".join(dirty[:3]) + (" ..." if len(dirty) > 3 else "")
        raise RepoError(
            f"{git.path} has uncommitted changes ({shown}); commit or stash them first: "
            "ciopt optimizes commits, not the working tree",
            reason="dirty_repo",
        )
    return git


def _header(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "command": "run",
        "ciopt_version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "repo": str(args.repo.resolve()),
    }


def _early_error(exc: CioptError, run_id: str, ledger: Ledger) -> Verdict:
    return Verdict(
        verdict="error",
        reason=exc.reason,
        message=str(exc),
        run_id=run_id,
        budget=ledger.snapshot(),
    )


def _summary(verdict: Verdict, out: Path) -> str:
    lines = [f"ciopt: {verdict.verdict} ({verdict.reason}) - {verdict.message}"]
    for cand in verdict.candidates:
        lines.append(f"  candidate {cand.id}: {cand.outcome:<12} {cand.reason}: {cand.message}")
    if verdict.branch:
        lines.append(f"  published: branch {verdict.branch} ({verdict.pr_url})")
    files = [p.name for p in sorted(out.iterdir()) if p.name != "work"]
    lines.append(f"  results: {out}/ ({', '.join(files)})")
    return "\n".join(lines)
