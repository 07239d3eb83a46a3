"""Checks on account balances."""

from cx_accounts.checks import has_overdraft

__all__ = ["has_overdraft"]
