"""Ranking thresholds against a sample."""

from cx_ranks.ranks import count_below

__all__ = ["count_below"]
