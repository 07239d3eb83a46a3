"""Spotting a serial number scanned twice on a production line."""

from __future__ import annotations


def first_repeat(serials: list[str]) -> int:
    """The index of the first serial equal to an earlier one, or -1 when all differ."""
    for i in range(len(serials)):
        for j in range(i):
            if serials[j] == serials[i]:
                return i
    return -1
