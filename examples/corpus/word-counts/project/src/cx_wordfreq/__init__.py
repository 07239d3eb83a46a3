"""Word frequencies for a text-statistics page."""

from cx_wordfreq.counts import word_counts

__all__ = ["word_counts"]
