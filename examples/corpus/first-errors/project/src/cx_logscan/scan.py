"""Scanning build logs for the errors to show in a failure summary."""

from __future__ import annotations

import re

_ERROR = re.compile(r"\b(?:ERROR|FATAL)\b")


def first_errors(lines: list[str], limit: int) -> list[str]:
    """The first *limit* lines that report an error or a fatal failure."""
    return [line for line in lines if _ERROR.search(line)][:limit]
