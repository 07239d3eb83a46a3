def first_repeat(serials: list[str]) -> int:
    """The index of the first serial equal to an earlier one, or -1 when all differ."""
    seen = set()
    for i, serial in enumerate(serials):
        if serial in seen:
            return i
        seen.add(serial)
    return -1
