"""Rescaling model scores."""

from cx_scores.scale import rescale

__all__ = ["rescale"]
