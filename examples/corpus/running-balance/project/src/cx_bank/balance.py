"""Account statements: the balance after each transaction."""

from __future__ import annotations


def running_balance(amounts: list[int], opening: int = 0) -> list[int]:
    """The balance after each transaction (amounts in cents), from *opening*."""
    return [opening + sum(amounts[: i + 1]) for i in range(len(amounts))]
