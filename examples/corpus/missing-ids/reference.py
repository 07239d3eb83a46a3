def reconcile(expected: list[int], received: list[int]) -> tuple[list[int], list[int]]:
    """(missing, unexpected): ids expected but not received, and received but not expected.

    Each list keeps the order and the repeats of the list it comes from.
    """
    received_set = set(received)
    expected_set = set(expected)
    missing = [i for i in expected if i not in received_set]
    unexpected = [i for i in received if i not in expected_set]
    return missing, unexpected
