from itertools import accumulate


def running_balance(amounts: list[int], opening: int = 0) -> list[int]:
    """The balance after each transaction (amounts in cents), from *opening*."""
    return [opening + total for total in accumulate(amounts)]
