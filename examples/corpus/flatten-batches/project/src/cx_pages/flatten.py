"""Collecting the results of a paginated API."""

from __future__ import annotations


def collect_ids(pages: list[list[int]]) -> list[int]:
    """The ids of every page of results, as one list in page order."""
    return sum(pages, [])
