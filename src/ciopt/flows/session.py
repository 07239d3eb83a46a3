"""The session of one command: its settings, output folder, trace, ledger and executor.

Every flow runs inside one (``with Session(...) as session``). Errors end up in ``verdict.json``
before they reach the CLI; when the command ends, the trace is closed and exported (OTLP, HTML),
what ciopt wrote is scrubbed of secrets, and then the trace sinks get it.
"""

from __future__ import annotations

import contextlib
import os
import platform
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ciopt import __version__
from ciopt.budget import Ledger
from ciopt.config import Settings, load_settings
from ciopt.errors import BudgetExhausted, CioptError, ConfigError
from ciopt.executors import ExecutorOptions, Opened, open_executor
from ciopt.flows.artifacts import OutputDir, results_line
from ciopt.flows.stops import with_overruns
from ciopt.trace import (
    Delivery,
    Listener,
    Redactor,
    RunPlace,
    Shipment,
    Tracer,
    deliver,
    export_otlp,
    open_sinks,
    read_trace,
    secret_variables,
    write_html,
)
from ciopt.verdict import Verdict

__all__ = ["FORGE_RUNS", "Session", "unisolated_refusal"]

FORGE_RUNS = ("github", "gitlab")  # forges whose requests come from other people


def unisolated_refusal(asked: str, note: str | None, stranger: str | None = None) -> str:
    """Why a forge run runs nothing without isolation, and the ways on, in one line.

    ``stranger`` (whose code it is: a fork's pull request) leaves no way but isolation."""
    why = "executor local isolates nothing" if asked == "local" else (note or "no isolation")
    enable = (
        "install bubblewrap (apt-get install bubblewrap) or Docker and the dagger CLI on the runner"
    )
    if stranger:
        return f"ciopt ran nothing: {stranger} runs only under isolation ({why}); {enable}"
    return (
        f"ciopt ran nothing: the code under test would run with no isolation from ciopt's "
        f"secrets ({why}); {enable}, or accept the risk with allow_unisolated = true in "
        ".ciopt.toml on the default branch"
    )


class Session:
    """One command's settings and artifacts.

    Errors end up in ``verdict.json`` before they reach the CLI, bad settings included: they are
    raised by ``settings``, inside the ``with`` block, once the output folder exists.
    """

    def __init__(
        self,
        command: str,
        repo: Path,
        environ: Mapping[str, str] | None = None,
        *,
        listeners: Sequence[Listener] = (),
        **cli: Any,
    ) -> None:
        """``command`` names the trace's header; ``repo`` is the checkout (its settings files
        are read); ``cli`` are the flags' settings (``None`` for a flag not given).
        ``listeners`` follow the trace from its header on (the command's progress display)."""
        self.environ = dict(os.environ if environ is None else environ)
        self.repo = repo
        settings: Settings | None = None
        self._problem: ConfigError | None = None
        try:
            settings = load_settings(repo if repo.is_dir() else None, **cli)
        except ConfigError as exc:
            self._problem = exc
        self._settings = settings
        sinks = settings.trace_sinks if settings else []
        self.redactor = Redactor.from_environ(self.environ, also=secret_variables(sinks))
        fallback = cli.get("out") or Path("ciopt-out")  # the settings' own, when they failed
        self.out = OutputDir(
            settings.out if settings else fallback,
            self.redactor,
            keep_work=bool(settings and settings.keep_work),
        )
        header = _header(command, repo, settings)
        self.tracer = Tracer(
            self.out.trace, redactor=self.redactor, header=header, listeners=listeners
        )
        # where the trace goes when the command ends, and how each sink took it then
        self.sinks = open_sinks(
            sinks, self.environ, RunPlace.find(self.environ, repo, self.tracer.run_id)
        )
        self.sink_targets = [sink.target for sink in self.sinks]
        self.delivered: list[Delivery] = []
        self._shipment = Shipment(
            self.out.path, self.tracer.run_id, header["expires_at"], header["retention_days"]
        )
        self.ledger = Ledger(settings.limits if settings else Settings.model_construct().limits)
        self.tracer.budget = self.ledger.snapshot
        self.ledger.charge(output_bytes=self.tracer.bytes_written)  # the header, written already
        self.tracer.on_write = self.out.on_write = self._charge_output
        self.on_error: Callable[[CioptError], Verdict] = self.error_verdict
        self._closing = contextlib.ExitStack()  # what the command opened: the executor
        self.isolation: str | None = None  # the executor's, once open (``Opened.isolation``)
        self._opened: Opened | None = None
        # whose code this is, when it runs only under isolation whatever the settings say
        # (a fork's pull request: a stranger's)
        self.stranger: str | None = None
        self._closing.callback(self.out.close)  # last: the temporary work folder

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
            isolation=self.isolation,
            trace_sinks=self.sink_targets,
        )

    def open_executor(self) -> Opened:
        """The settings' executor, closed when the command ends; how it was chosen and how it
        isolates are traced, and printed when it is not the one asked for. Opened once: a second
        call (a run that discovered its targets first) returns the same.

        A forge run (GitHub, GitLab: anyone's request, maybe a stranger's code) whose code would
        run without isolation stops here, unless ``allow_unisolated`` accepts that by name."""
        if self._opened is not None:
            return self._opened
        settings = self.settings
        git_dir = self.repo / ".git"
        options = ExecutorOptions(
            image=settings.image,
            dagger_engine=settings.dagger_engine,
            environ=self.environ,
            network=settings.sandbox_network,
            hide=(git_dir,) if git_dir.is_dir() else (),
        )
        opened = self._closing.enter_context(open_executor(settings.executor, options))
        self.isolation = opened.isolation
        self.tracer.event(
            "executor",
            asked=settings.executor,
            chosen=opened.name,
            isolation=opened.isolation,
            engine=opened.engine,
            note=opened.note,
        )
        if opened.note:
            print(f"ciopt: {opened.note}")
        if not opened.isolated and (
            self.stranger or (settings.forge in FORGE_RUNS and not settings.allow_unisolated)
        ):
            refusal = unisolated_refusal(settings.executor, opened.note, self.stranger)
            raise ConfigError(refusal, reason="unisolated")
        self._opened = opened
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
                self.out.write_verdict(with_overruns(verdict, self.ledger))
        finally:
            self._closing.close()
            self.tracer.close()
            written = read_trace(self.out.trace)  # read once for both exporters
            export_otlp(written, self.out.otlp)
            write_html(written, self.out.html)
            for owned in self.out.owned():  # what subprocesses wrote, too; nothing else
                self.redactor.scrub_tree(owned)
            self._send_trace()

    def results_line(self) -> str:
        """What the output folder holds and which sinks took the trace: once the session has
        closed, when both are final."""
        return self.redactor.text(results_line(self.out.path, self.delivered))

    def _send_trace(self) -> None:
        """The scrubbed files to each sink; a failure is one line on stderr, never an error."""
        self.delivered = deliver(self.sinks, self._shipment)
        for failed in (d for d in self.delivered if d.error):
            print(self.redactor.text(failed.failure(self.out.path)), file=sys.stderr)


def _header(command: str, repo: Path, settings: Settings | None) -> dict[str, Any]:
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
        "repo": str(repo.resolve()),
    }
