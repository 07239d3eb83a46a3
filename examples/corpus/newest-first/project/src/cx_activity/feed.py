"""Rendering the activity feed shown on a project's page."""

from __future__ import annotations


def newest_first(entries: list[tuple[str, str]]) -> str:
    """The (timestamp, message) entries, oldest given first, rendered newest first."""
    text = ""
    for stamp, message in entries:
        text = f"{stamp}  {message}\n" + text
    return text
