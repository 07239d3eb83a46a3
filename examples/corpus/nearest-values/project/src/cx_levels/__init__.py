"""Snapping sensor readings to calibrated levels."""

from cx_levels.snap import nearest

__all__ = ["nearest"]
