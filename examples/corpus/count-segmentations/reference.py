from functools import lru_cache


def count_segmentations(text: str, words: set[str]) -> int:
    """The number of ways to split *text* into a sequence of words from *words*."""

    @lru_cache(maxsize=None)
    def ways(start: int) -> int:
        if start == len(text):
            return 1
        total = 0
        for end in range(start + 1, len(text) + 1):
            if text[start:end] in words:
                total += ways(end)
        return total

    return ways(0)
