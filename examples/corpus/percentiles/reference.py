def percentiles(latencies: list[float], points: list[float]) -> list[float]:
    """Nearest-rank percentiles of *latencies* at each of *points* (0 to 100)."""
    if not points:
        return []
    ordered = sorted(latencies)
    last = len(ordered) - 1
    result = []
    for p in points:
        result.append(ordered[round(p / 100 * last)])
    return result
