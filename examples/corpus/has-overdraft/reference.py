def has_overdraft(balances: list[float]) -> bool:
    """Whether any balance is below zero."""
    return any(b < 0 for b in balances)
