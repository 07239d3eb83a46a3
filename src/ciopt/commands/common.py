"""What every command shares: settings from flags, the output folder, the trace, the ledger."""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ciopt import __version__
from ciopt.budget import Ledger
from ciopt.config import Settings, load_settings
from ciopt.errors import BudgetExhausted, CioptError, ConfigError
from ciopt.executors import DEFAULT_IMAGE, ExecutorOptions, Opened, open_executor
from ciopt.output import OutputDir
from ciopt.trace import Redactor, Tracer
from ciopt.trace.html import write_html
from ciopt.trace.otlp import export_otlp
from ciopt.trace.read import read_trace
from ciopt.verdict import Verdict

__all__ = ["Session", "add_executor_flags", "add_measure_flags", "measure_flags"]


def add_executor_flags(p: argparse.ArgumentParser) -> None:
    """``--executor`` and ``--image``, for every command that runs the client's code."""
    p.add_argument(
        "--executor",
        help="where code under test runs: local, dagger (containers), auto (dagger when an "
        "engine starts, else local); default: local",
    )
    p.add_argument("--image", help=f"the dagger executor's image (default: {DEFAULT_IMAGE})")


def add_measure_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("--python", help="the client's interpreter (default: .venv/bin/python, python3)")
    p.add_argument("--out", type=Path, help="output folder (default: ciopt-out)")
    add_executor_flags(p)
    p.add_argument(
        "--time-budget", type=float, help="seconds of measurement per comparison (default: 60)"
    )
    p.add_argument("--min-effect", type=float, help="smallest change to claim (default: 0.02)")
    p.add_argument("--confidence", type=float, help="overall confidence (default: 0.99)")
    p.add_argument("--max-rounds", type=int, help="most rounds per comparison (default: 200)")
    p.add_argument(
        "--pairing",
        choices=("duet", "sequential"),
        help="duet: both sides share one CPU, timed in CPU time (default); sequential: one "
        "after the other, wall clock (for benchmarks that wait on I/O or threads)",
    )


def measure_flags(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "python": args.python,
        "out": args.out,
        "executor": args.executor,
        "image": args.image,
        "time_budget": args.time_budget,
        "min_effect": args.min_effect,
        "confidence": args.confidence,
        "rounds": args.max_rounds,
        "pairing": args.pairing,
    }


class Session:
    """One command's settings and artifacts.

    Errors end up in ``verdict.json`` before they reach the CLI, bad settings included: they are
    raised by ``settings``, inside the ``with`` block, once the output folder exists.
    """

    def __init__(
        self,
        command: str,
        args: argparse.Namespace,
        environ: Mapping[str, str] | None = None,
        **cli: Any,
    ) -> None:
        self.environ = dict(os.environ if environ is None else environ)
        settings: Settings | None = None
        self._problem: ConfigError | None = None
        try:
            settings = load_settings(args.repo if args.repo.is_dir() else None, **cli)
        except ConfigError as exc:
            self._problem = exc
        self._settings = settings
        self.redactor = Redactor.from_environ(self.environ)
        self.out = OutputDir(
            settings.out if settings else (args.out or Path("ciopt-out")), self.redactor
        )
        self.tracer = Tracer(
            self.out.trace, redactor=self.redactor, header=_header(command, args, settings)
        )
        self.ledger = Ledger(settings.limits if settings else Settings.model_construct().limits)
        self.tracer.budget = self.ledger.snapshot
        self.ledger.charge(output_bytes=self.tracer.bytes_written)  # the header, written already
        self.tracer.on_write = self.out.on_write = self._charge_output
        self.on_error: Callable[[CioptError], Verdict] = self.error_verdict
        self._closing = contextlib.ExitStack()  # what the command opened: the executor

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            raise self._problem or ConfigError("no settings")
        return self._settings

    def override(self, **values: Any) -> None:
        """Settings decided after the session began (the commit a pull request is at)."""
        self._settings = self.settings.model_copy(update=values)

    def _charge_output(self, size: int) -> None:
        self.ledger.charge(output_bytes=size)

    def error_verdict(self, exc: CioptError) -> Verdict:
        return Verdict(
            verdict="error",
            reason=exc.reason,
            message=str(exc),
            run_id=self.tracer.run_id,
            budget=self.ledger.snapshot(),
        )

    def open_executor(self) -> Opened:
        """The settings' executor, closed when the command ends; how it was chosen is traced,
        and printed when it is not the one asked for (``auto`` without an engine)."""
        settings = self.settings
        options = ExecutorOptions(image=settings.image, environ=self.environ)
        opened = self._closing.enter_context(open_executor(settings.executor, options))
        self.tracer.event("executor", asked=settings.executor, chosen=opened.name, note=opened.note)
        if opened.note:
            print(f"ciopt: {opened.note}")
        return opened

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        try:
            if isinstance(exc, BudgetExhausted):  # outside the candidate loop, which records it
                self.tracer.event(
                    "budget.exhausted", limit=exc.limit, spent=exc.spent, allowed=exc.allowed
                )
            if exc is not None:
                self.tracer.exception(exc)
            if isinstance(exc, CioptError):
                verdict = self.on_error(exc)
                if isinstance(exc, BudgetExhausted):
                    verdict = verdict.model_copy(update={"stopped_by": exc.limit})
                self.out.write_verdict(verdict)
        finally:
            self._closing.close()
            self.tracer.close()
            written = read_trace(self.out.trace)  # read once for both exporters
            export_otlp(written, self.out.otlp)
            write_html(written, self.out.html)
            for owned in self.out.owned():  # what subprocesses wrote, too; nothing else
                self.redactor.scrub_tree(owned)


def _header(command: str, args: argparse.Namespace, settings: Settings | None) -> dict[str, Any]:
    defaults = settings or Settings.model_construct()
    expires = datetime.now(UTC) + timedelta(days=defaults.trace_retention_days)
    return {
        "content_capture": defaults.content_capture,
        "retention_days": defaults.trace_retention_days,
        "expires_at": expires.isoformat(timespec="seconds"),
        "command": command,
        "ciopt_version": __version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "repo": str(args.repo.resolve()),
    }
