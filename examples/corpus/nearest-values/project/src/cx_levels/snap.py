"""Snapping sensor readings to the nearest calibrated level."""

from __future__ import annotations


def nearest(levels: list[int], readings: list[int]) -> list[int]:
    """For each reading, the closest level; on a tie, the lower level."""
    return [min(levels, key=lambda level: (abs(level - r), level)) for r in readings]
