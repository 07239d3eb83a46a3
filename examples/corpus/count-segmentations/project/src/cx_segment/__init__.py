"""Splitting run-together words."""

from cx_segment.segment import count_segmentations

__all__ = ["count_segmentations"]
