"""Finding pairs of transactions that add up to a total."""

from cx_pairs.pairs import find_pairs

__all__ = ["find_pairs"]
