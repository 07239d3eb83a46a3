def rescale(scores: list[float]) -> list[float]:
    """The scores mapped linearly onto 0..1: the lowest to 0.0, the highest to 1.0."""
    if not scores:
        return []
    low = min(scores)
    span = max(scores) - low
    return [(s - low) / span for s in scores]
