def moving_totals(values: list[int], width: int) -> list[int]:
    """The sum of each run of *width* consecutive values, for every start that fits."""
    if width < 1:
        return [sum(values[i : i + width]) for i in range(len(values) - width + 1)]
    if width > len(values):
        return []
    total = sum(values[:width])
    totals = [total]
    for i in range(width, len(values)):
        total += values[i] - values[i - width]
        totals.append(total)
    return totals
