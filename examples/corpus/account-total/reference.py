def total_for(entries: list[tuple[str, float]], accounts: list[str]) -> float:
    """The sum of the amounts booked on any of *accounts*, added in booking order."""
    wanted = set(accounts)
    total = 0.0
    for account, amount in entries:
        if account in wanted:
            total += amount
    return total
