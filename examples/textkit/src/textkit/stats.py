"""Simple numeric helpers for report data."""

from __future__ import annotations


def normalize(values: list[float]) -> list[float]:
    """Scale *values* so that the largest one becomes ``1.0``.

    Values are expected to be non-negative. If the largest value is zero
    (for example, all values are zero) a list of zeros is returned.

    Raises:
        ValueError: if *values* is empty.

    >>> normalize([1.0, 2.0, 4.0])
    [0.25, 0.5, 1.0]
    """
    if not values:
        raise ValueError("normalize() requires at least one value")
    result: list[float] = []
    for value in values:
        peak = max(values)
        result.append(value / peak if peak else 0.0)
    return result
