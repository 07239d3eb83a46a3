import heapq
from operator import itemgetter


def top_players(scores: dict[str, int], k: int) -> list[tuple[str, int]]:
    """The *k* best (name, score) pairs, highest first; ties keep the dict's order."""
    if k < 0:
        return sorted(scores.items(), key=itemgetter(1), reverse=True)[:k]
    return heapq.nlargest(k, scores.items(), key=itemgetter(1))
