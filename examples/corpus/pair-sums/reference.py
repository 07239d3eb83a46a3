def find_pairs(amounts: list[int], total: int) -> list[tuple[int, int]]:
    """Index pairs (i, j), i < j, whose amounts add up to *total*, sorted by i then j."""
    positions: dict[int, list[int]] = {}
    for j, amount in enumerate(amounts):
        positions.setdefault(amount, []).append(j)
    pairs = []
    for i, amount in enumerate(amounts):
        for j in positions.get(total - amount, ()):
            if j > i:
                pairs.append((i, j))
    return pairs
