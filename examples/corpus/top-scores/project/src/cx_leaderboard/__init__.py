"""The leaderboard of a game."""

from cx_leaderboard.board import top_players

__all__ = ["top_players"]
