"""Account statements."""

from cx_bank.balance import running_balance

__all__ = ["running_balance"]
