"""Where thresholds fall in a sample of response sizes."""

from __future__ import annotations


def count_below(values: list[int], thresholds: list[int]) -> list[int]:
    """For each threshold, how many values are strictly below it."""
    return [sum(1 for v in values if v < t) for t in thresholds]
