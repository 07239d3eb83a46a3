from collections import Counter


def status_histogram(codes: list[int]) -> list[tuple[int, int]]:
    """(code, count) for each status code, in order of first occurrence."""
    return list(Counter(codes).items())
