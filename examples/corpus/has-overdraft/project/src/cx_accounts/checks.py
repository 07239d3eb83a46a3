"""Nightly checks on account balances."""

from __future__ import annotations


def has_overdraft(balances: list[float]) -> bool:
    """Whether any balance is below zero."""
    return len([b for b in balances if b < 0]) > 0
