"""Run-length encoding of the scan lines of a bitmap font."""

from __future__ import annotations


def run_lengths(text: str) -> list[tuple[str, int]]:
    """The runs of equal characters in *text*, as (character, length) pairs."""
    runs = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and text[j] == text[i]:
            j += 1
        runs.append((text[i], j - i))
        i = j
    return runs
