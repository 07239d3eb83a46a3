"""Totals over a ledger of bookings."""

from cx_ledger.totals import total_for

__all__ = ["total_for"]
