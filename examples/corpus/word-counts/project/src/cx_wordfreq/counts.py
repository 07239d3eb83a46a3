"""Word frequencies for the text-statistics page."""

from __future__ import annotations


def word_counts(words: list[str]) -> dict[str, int]:
    """How often each word occurs, words in order of first occurrence."""
    return {word: words.count(word) for word in words}
