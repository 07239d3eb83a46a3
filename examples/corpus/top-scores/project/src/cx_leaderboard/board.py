"""The leaderboard of an online game."""

from __future__ import annotations


def top_players(scores: dict[str, int], k: int) -> list[tuple[str, int]]:
    """The *k* best (name, score) pairs, highest first; ties keep the dict's order."""
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    return ranked[:k]
