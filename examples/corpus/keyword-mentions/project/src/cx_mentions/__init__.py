"""Counting mentions of people in chat logs."""

from cx_mentions.mentions import count_mentions

__all__ = ["count_mentions"]
