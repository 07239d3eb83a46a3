"""The progress without a terminal (a CI log): one timestamped line per step and per fate,
the steps folded into collapsible groups.

    github   ``::group::TITLE`` ... ``::endgroup::`` (GITHUB_ACTIONS=true)
    gitlab   ``ESC[0Ksection_start:TS:NAME[collapsed=true]\\rESC[0KTITLE`` ...
             ``ESC[0Ksection_end:TS:NAME\\rESC[0K`` (GITLAB_CI=true)
    plain    a heading line for each group

What a line quotes may come from a stranger (the request) or a model (its reply, an error
quoting it): it is escaped so it can never become a workflow command or a section marker.
Every line starts with its time, so no quoted text starts a line; line breaks and control
characters are escaped or dropped.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import TextIO

from ciopt.commands.display.follow import Closed, Happening, Opened, Told

__all__ = ["STYLES", "Lines", "ci_style", "escape"]

STYLES = ("github", "gitlab", "plain")
LONGEST = 400  # characters of a quoted text kept on a line
ESC = "\x1b"
# C0 and C1 controls but tab (ESC among them: terminal and GitLab sequences), and the
# bidirectional overrides that make text read other than it is
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SECTION = re.compile(r"[^A-Za-z0-9_.-]+")


def ci_style(environ: Mapping[str, str]) -> str:
    """The CI the command runs in, as its log folds groups."""
    if environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    if environ.get("GITLAB_CI") == "true":
        return "gitlab"
    return "plain"


def escape(text: str, style: str) -> str:
    """``text`` safe on one line of a ``style`` log: GitHub's escaping of a command's data
    (``%`` ``\\r`` ``\\n`` as ``%25`` ``%0D`` ``%0A``), elsewhere line breaks shown as ``\\n``;
    control characters dropped, leading ``::`` broken; long text cut."""
    if len(text) > LONGEST:
        text = text[: LONGEST - 1] + "…"
    if style == "github":
        text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    else:
        text = text.replace("\r", "\\r").replace("\n", "\\n")
    text = _CONTROLS.sub("", text)
    if text.lstrip().startswith(("::", "##[")):  # never a workflow command, even alone
        text = "\u200b" + text
    return text


class Lines:
    """Writes what the follower tells to ``stream``, in the ``style`` of the CI."""

    def __init__(self, stream: TextIO, style: str = "plain") -> None:
        if style not in STYLES:
            raise ValueError(f"unknown style {style!r}")
        self.stream = stream
        self.style = style
        self._opened: dict[str, str] = {}  # the open group's key -> its section name
        self._count = 0  # sections opened: their names stay unique across sessions

    def show(self, happenings: list[Happening]) -> None:
        for happening in happenings:
            if isinstance(happening, Opened):
                self._open(happening)
            elif isinstance(happening, Closed):
                self._close(happening)
            else:
                self._line(happening)
        self.stream.flush()

    def _line(self, told: Told) -> None:
        self._write(f"{_clock(told.at)} {escape(told.text, self.style)}")

    def _open(self, opened: Opened) -> None:
        for key in list(self._opened):  # one group at a time: GitHub's do not nest
            self._close(Closed(key, opened.at))
        self._count += 1
        name = f"ciopt_{self._count}_{_SECTION.sub('_', opened.key)}"
        self._opened[opened.key] = name
        title = escape(opened.title, self.style)
        if self.style == "github":
            self._write(f"::group::{title}")
        elif self.style == "gitlab":
            ts = int(opened.at.timestamp())
            self._write(f"{ESC}[0Ksection_start:{ts}:{name}[collapsed=true]\r{ESC}[0K{title}")
        else:
            self._write(f"{_clock(opened.at)} -- {title}")

    def _close(self, closed: Closed) -> None:
        name = self._opened.pop(closed.key, None)
        if name is None:
            return
        if self.style == "github":
            self._write("::endgroup::")
        elif self.style == "gitlab":
            self._write(f"{ESC}[0Ksection_end:{int(closed.at.timestamp())}:{name}\r{ESC}[0K")

    def close(self) -> None:
        """Close a group left open (a run that ended inside one)."""
        for key in list(self._opened):
            self._close(Closed(key, datetime.now().astimezone()))
        self.stream.flush()

    def _write(self, line: str) -> None:
        self.stream.write(line + "\n")


def _clock(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M:%S")
