"""Searching the staff directory by part of a name."""

from __future__ import annotations

import unicodedata


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKD", text).casefold().split())


def search_names(names: list[str], query: str) -> list[str]:
    """The names containing *query*, both folded (NFKD, casefolded, spaces collapsed)."""
    return [name for name in names if _fold(query) in _fold(name)]
