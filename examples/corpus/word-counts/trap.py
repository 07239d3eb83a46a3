from collections import Counter


def word_counts(words: list[str]) -> dict[str, int]:
    """How often each word occurs, words in order of first occurrence."""
    return Counter(words)
