"""Moving totals over daily counts, for the traffic dashboard."""

from __future__ import annotations


def moving_totals(values: list[int], width: int) -> list[int]:
    """The sum of each run of *width* consecutive values, for every start that fits."""
    return [sum(values[i : i + width]) for i in range(len(values) - width + 1)]
