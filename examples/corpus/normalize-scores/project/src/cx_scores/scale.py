"""Rescaling model scores before they are shown to users."""

from __future__ import annotations


def rescale(scores: list[float]) -> list[float]:
    """The scores mapped linearly onto 0..1: the lowest to 0.0, the highest to 1.0."""
    return [(s - min(scores)) / (max(scores) - min(scores)) for s in scores]
