from bisect import bisect_left


def count_below(values: list[int], thresholds: list[int]) -> list[int]:
    """For each threshold, how many values are strictly below it."""
    ordered = sorted(values)
    return [bisect_left(ordered, t) for t in thresholds]
