"""The progress on a terminal: a live display (``rich``) redrawn as the trace goes and a few
times a second: each phase and candidate with its fate, the step running now and for how
long, the measurement's latest look, and the budget spent against its limits.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import TextIO

from rich.console import Console, Group, RenderableType
from rich.live import Live as RichLive
from rich.spinner import Spinner
from rich.table import Table
from rich.text import Text

from ciopt.commands.display.follow import Follower, Happening, Row, View, budget_text
from ciopt.commands.display.lines import escape

__all__ = ["Live"]

ROWS = 12  # the latest phases and candidates shown; the earlier ones are counted
MARKS = {  # a finished row's mark, by its fate's first word
    "faster": ("✓", "green"),
    "slower": ("•", "yellow"),
    "no_change": ("•", "yellow"),
    "inconclusive": ("•", "yellow"),
    "rejected": ("✗", "red"),
    "error:": ("✗", "red"),
}


class Live:
    """Draws ``follower``'s view on ``stream`` (a terminal) from ``start`` to ``close``.

    ``redirect_stdout``: what the command prints meanwhile (a note) is drawn above the display
    instead of through it: set when stdout is the same terminal (or is kept for JSON)."""

    def __init__(
        self,
        stream: TextIO,
        follower: Follower,
        *,
        redirect_stdout: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.follower = follower
        self.clock = clock
        self.lock = threading.Lock()  # the redraws run on rich's thread
        self.console = Console(file=stream, force_terminal=True, highlight=False)
        self._ended = False
        self._live = RichLive(
            console=self.console,
            get_renderable=self._render,
            refresh_per_second=4,
            redirect_stdout=redirect_stdout,
            redirect_stderr=True,
            transient=False,
        )

    def start(self) -> None:
        self._live.start()

    def show(self, happenings: list[Happening]) -> None:
        del happenings  # the view has them; the next redraw shows them
        self._live.refresh()

    def close(self) -> None:
        with self.lock:
            self._ended = True
        self._live.stop()

    # -- drawing -------------------------------------------------------------------------------

    def _render(self) -> RenderableType:
        with self.lock:
            return self._draw()

    def _draw(self) -> RenderableType:
        view, now = self.follower.view, self.clock()
        head = Text()
        head.append(f"ciopt {view.command or ''}".rstrip(), style="bold")
        head.append(f"  {_clock(now - view.started)}", style="dim")
        if view.context:
            head.append(f"  {_safe(view.context)}", style="cyan")
        if view.isolation:
            head.append(f"  {_safe(view.isolation)}", style="dim")
        rows = view.rows[-ROWS:]
        table = Table.grid(padding=(0, 1), expand=True)  # the details take what is left
        table.add_column(width=1, no_wrap=True)
        table.add_column(width=max((len(row.title) for row in rows), default=1), no_wrap=True)
        table.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        table.add_column(width=7, no_wrap=True, justify="right", style="dim")
        if len(view.rows) > len(rows):
            table.add_row("", Text(f"… {len(view.rows) - len(rows)} earlier", style="dim"), "", "")
        for row in rows:
            title = Text(row.title, style="bold")
            table.add_row(self._mark(row), title, _safe(row.detail), self._time(row, now))
        parts: list[RenderableType] = [head, table]
        if view.doing and not self._ended:
            since = f"  {_clock(now - view.doing_since)}"
            parts.append(Text.assemble(("now ", "bold"), _safe(view.doing), (since, "dim")))
        if view.look:
            parts.append(Text.assemble(("measure ", "bold"), _safe(view.look)))
        if view.limits:
            parts.append(Text.assemble(("budget ", "bold"), budget_text(_walled(view, now))))
        for note in view.notes:
            parts.append(Text(_safe(note), style="yellow"))
        return Group(*parts)

    def _mark(self, row: Row) -> RenderableType:
        if row.state == "running":
            return Text("·", style="dim") if self._ended else Spinner("dots", style="cyan")
        if row.state == "failed":
            return Text("✗", style="red")
        mark, style = MARKS.get(row.detail.split(" ", 1)[0], ("✓", "green"))
        return Text(mark, style=style)

    def _time(self, row: Row, now: float) -> str:
        seconds = row.seconds if row.seconds is not None else now - row.started
        return _clock(seconds)


def _walled(view: View, now: float) -> View:
    """The view with wall time spent as of now (the trace says it only when a step ends)."""
    spent = dict(view.spent)
    spent["wall_seconds"] = max(spent.get("wall_seconds", 0.0), now - view.started)
    return replace(view, spent=spent)


def _safe(text: str) -> str:
    """Text from the trace (a model's words among it) without control characters."""
    return escape(text, "plain")


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
