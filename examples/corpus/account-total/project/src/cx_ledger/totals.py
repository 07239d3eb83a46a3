"""Totals over a ledger of (account, amount) bookings."""

from __future__ import annotations


def total_for(entries: list[tuple[str, float]], accounts: list[str]) -> float:
    """The sum of the amounts booked on any of *accounts*, added in booking order."""
    total = 0.0
    for account, amount in entries:
        if account in accounts:
            total += amount
    return total
