"""Counting how often people are mentioned in chat logs."""

from __future__ import annotations

import re


def count_mentions(lines: list[str], names: list[str]) -> dict[str, int]:
    """For each name, the number of lines mentioning it as a whole word, ignoring case."""
    counts = {name: 0 for name in names}
    for line in lines:
        for name in names:
            pattern = re.compile(r"\b" + re.escape(name) + r"\b", re.IGNORECASE)
            if pattern.search(line):
                counts[name] += 1
    return counts
