"""Matching pairs of transactions, e.g. a charge and the refunds that cancel it."""

from __future__ import annotations


def find_pairs(amounts: list[int], total: int) -> list[tuple[int, int]]:
    """Index pairs (i, j), i < j, whose amounts add up to *total*, sorted by i then j."""
    pairs = []
    for i in range(len(amounts)):
        for j in range(i + 1, len(amounts)):
            if amounts[i] + amounts[j] == total:
                pairs.append((i, j))
    return pairs
