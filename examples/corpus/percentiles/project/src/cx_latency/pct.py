"""Latency percentiles for the service dashboard."""

from __future__ import annotations


def percentiles(latencies: list[float], points: list[float]) -> list[float]:
    """Nearest-rank percentiles of *latencies* at each of *points* (0 to 100)."""
    result = []
    for p in points:
        ordered = sorted(latencies)
        index = round(p / 100 * (len(ordered) - 1))
        result.append(ordered[index])
    return result
