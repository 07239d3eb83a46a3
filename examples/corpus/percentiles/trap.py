def percentiles(latencies: list[float], points: list[float]) -> list[float]:
    """Nearest-rank percentiles of *latencies* at each of *points* (0 to 100)."""
    latencies.sort()
    last = len(latencies) - 1
    return [latencies[round(p / 100 * last)] for p in points]
