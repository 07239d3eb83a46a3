import math


def total_for(entries: list[tuple[str, float]], accounts: list[str]) -> float:
    """The sum of the amounts booked on any of *accounts*, added in booking order."""
    wanted = set(accounts)
    return math.fsum(amount for account, amount in entries if account in wanted)
