"""Counting keyword occurrences in lines of text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence


def count_keywords(lines: Iterable[str], keywords: Sequence[str]) -> dict[str, int]:
    """Count whole-word, case-insensitive occurrences of each keyword.

    Returns a dict mapping every keyword (in the order given) to the number
    of times it appears as a whole word across all *lines*. Keywords are
    matched literally: regex metacharacters in them have no special meaning.

    >>> count_keywords(["Error: disk full", "error again"], ["error", "disk"])
    {'error': 2, 'disk': 1}
    """
    counts = {word: 0 for word in keywords}
    for line in lines:
        for word in counts:
            pattern = re.compile(r"\b" + re.escape(word) + r"\b", re.IGNORECASE)
            counts[word] += len(pattern.findall(line))
    return counts
