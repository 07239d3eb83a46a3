"""Summaries of HTTP access logs."""

from __future__ import annotations


def status_histogram(codes: list[int]) -> list[tuple[int, int]]:
    """(code, count) for each status code, in order of first occurrence."""
    pairs: list[list[int]] = []
    for code in codes:
        for pair in pairs:
            if pair[0] == code:
                pair[1] += 1
                break
        else:
            pairs.append([code, 1])
    return [(code, count) for code, count in pairs]
