from functools import lru_cache


def count_subsets(weights: list[int], target: int) -> int:
    """The number of subsets of *weights* (by position) whose sum is exactly *target*."""

    @lru_cache(maxsize=None)
    def count(i: int, remaining: int) -> int:
        if i == len(weights):
            return 1 if remaining == 0 else 0
        return count(i + 1, remaining) + count(i + 1, remaining - weights[i])

    return count(0, target)
