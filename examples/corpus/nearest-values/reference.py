from bisect import bisect_left


def nearest(levels: list[int], readings: list[int]) -> list[int]:
    """For each reading, the closest level; on a tie, the lower level."""
    if not levels:
        return [min(levels, key=lambda level: (abs(level - r), level)) for r in readings]
    ordered = sorted(set(levels))
    last = len(ordered) - 1
    result = []
    for r in readings:
        i = bisect_left(ordered, r)
        if i == 0:
            result.append(ordered[0])
        elif i > last:
            result.append(ordered[last])
        else:
            below, above = ordered[i - 1], ordered[i]
            result.append(below if r - below <= above - r else above)
    return result
