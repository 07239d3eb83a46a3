"""The progress a command shows on stderr (``ciopt.commands.display``), told apart from the rest."""

from __future__ import annotations

import re

__all__ = ["PROGRESS", "without_progress"]

# a timestamped line, a GitHub group's marker, a GitLab section's marker
PROGRESS = re.compile(r"^(\d\d:\d\d:\d\d |::group::|::endgroup::|\x1b\[0Ksection_)")


def without_progress(text: str) -> str:
    """``text`` (what a command wrote to stderr) without its progress lines."""
    return "".join(line for line in text.splitlines(keepends=True) if not PROGRESS.match(line))
