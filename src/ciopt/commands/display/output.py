"""What a long command shows while it runs, and where its result goes.

    terminal (stderr a TTY)   a live display (``live``)
    no terminal (CI, a pipe)  timestamped lines in collapsible groups (``lines``)
    --quiet                   no progress: the result only on stdout (notes and errors on
                              stderr)
    --json                    the result's JSON (verdict.json, ...) alone on stdout; all else,
                              the summary and what the run prints, on stderr

The progress goes to stderr and follows the run through its trace (a tracer listener), so it
changes nothing the run writes. A display that fails stops showing, says so once, and the run
goes on.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Protocol, TextIO

from ciopt.commands.display.follow import Follower, Happening
from ciopt.commands.display.lines import Lines, ci_style
from ciopt.commands.display.live import Live
from ciopt.trace import Listener

__all__ = ["Display", "Output", "add_output_flags"]

DUMB_TERMINALS = ("", "dumb", "unknown")


def add_output_flags(p: argparse.ArgumentParser, *, document: str) -> None:
    """``--quiet`` and ``--json``; ``document`` names what ``--json`` prints."""
    p.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="no progress on stderr: print only the result",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help=f"print {document} on stdout, for scripts (everything else goes to stderr)",
    )


class Form(Protocol):
    def show(self, happenings: list[Happening]) -> None: ...

    def close(self) -> None: ...


class Display:
    """Follows a command's sessions (``listeners``) and shows them in its ``form``; never
    raises: a failure ends the display, not the run."""

    def __init__(self, form: Form | None, follower: Follower, stream: TextIO) -> None:
        self.form = form
        self.follower = follower
        self.stream = stream
        self.failure: str | None = None
        self._lock: Any = getattr(form, "lock", None) or threading.Lock()

    @property
    def listeners(self) -> list[Listener]:
        """What a ``Session`` takes to be followed (none when there is nothing to show)."""
        return [self.on_record] if self.form is not None else []

    def on_record(self, record: dict[str, Any]) -> None:
        self._guarded(lambda: self.follower.feed(record))

    def note(self, text: str) -> None:
        """A line of the command's own (an eval's task started or ended)."""
        self._guarded(lambda: self.follower.note(text))

    def close(self) -> None:
        self._guarded(self.follower.close)
        form, self.form = self.form, None
        if form is not None:
            try:
                form.close()
            except Exception as exc:  # the display must never end the command
                self._failed(exc)

    def _guarded(self, step: Callable[[], list[Happening]]) -> None:
        form = self.form
        if form is None:
            return
        try:
            with self._lock:
                happenings = step()
            form.show(happenings)
        except Exception as exc:  # the display must never end the run
            self.form = None
            with contextlib.suppress(Exception):
                form.close()
            self._failed(exc)

    def _failed(self, exc: Exception) -> None:
        if self.failure is None:
            self.failure = f"{type(exc).__name__}: {exc}"
            with contextlib.suppress(Exception):
                print(f"ciopt: progress display stopped ({self.failure})", file=self.stream)


class Output:
    """A command's progress (on ``stderr``) and its result (on ``stdout``)."""

    def __init__(
        self,
        *,
        stdout: TextIO,
        stderr: TextIO,
        environ: Mapping[str, str],
        quiet: bool = False,
        as_json: bool = False,
    ) -> None:
        self.stdout = stdout
        self.stderr = stderr
        self.environ = environ
        self.quiet = quiet
        self.as_json = as_json

    @classmethod
    def of(cls, args: argparse.Namespace, environ: Mapping[str, str] | None = None) -> Output:
        """The flags of ``add_output_flags``, on this process's streams."""
        return cls(
            stdout=sys.stdout,
            stderr=sys.stderr,
            environ=os.environ if environ is None else environ,
            quiet=bool(getattr(args, "quiet", False)),
            as_json=bool(getattr(args, "json", False)),
        )

    @contextlib.contextmanager
    def running(self, *, prints_result: bool = False) -> Iterator[Display]:
        """The display, from the command's start to its end. With ``--json`` or ``--quiet``,
        what the run prints meanwhile (a note: which executor was chosen) goes to stderr, unless
        it ``prints_result`` (a forge run's answers) and only ``--quiet`` was asked for."""
        with contextlib.ExitStack() as stack:
            if self.as_json or (self.quiet and not prints_result):
                stack.enter_context(contextlib.redirect_stdout(self.stderr))
            display = self._display()
            stack.callback(display.close)
            yield display

    def result(self, text: str) -> None:
        """The human result (the summary): on stdout, or stderr beside ``--json``."""
        if self.as_json:
            if not self.quiet:
                print(text, file=self.stderr)
            return
        print(text, file=self.stdout)

    def document(self, *paths: Path) -> None:
        """With ``--json``: each of ``paths`` that exists, as it is, on stdout."""
        if not self.as_json:
            return
        for path in paths:
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                self.stdout.write(text if text.endswith("\n") else text + "\n")
        self.stdout.flush()

    def _display(self) -> Display:
        follower = Follower()
        if self.quiet:
            return Display(None, follower, self.stderr)
        form: Form
        if self._terminal():
            live = Live(self.stderr, follower, redirect_stdout=self.as_json or _isatty(self.stdout))
            try:
                live.start()
                form = live
            except Exception:  # no live display here: the lines will do
                form = Lines(self.stderr, ci_style(self.environ))
        else:
            form = Lines(self.stderr, ci_style(self.environ))
        return Display(form, follower, self.stderr)

    def _terminal(self) -> bool:
        return _isatty(self.stderr) and self.environ.get("TERM", "") not in DUMB_TERMINALS


def _isatty(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError, OSError):
        return False
