"""Reconciling the record ids a batch job expected with the ones it received."""

from __future__ import annotations


def reconcile(expected: list[int], received: list[int]) -> tuple[list[int], list[int]]:
    """(missing, unexpected): ids expected but not received, and received but not expected.

    Each list keeps the order and the repeats of the list it comes from.
    """
    missing = [i for i in expected if i not in received]
    unexpected = [i for i in received if i not in expected]
    return missing, unexpected
