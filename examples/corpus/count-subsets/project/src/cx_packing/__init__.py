"""Counting ways to fill a container exactly."""

from cx_packing.subsets import count_subsets

__all__ = ["count_subsets"]
