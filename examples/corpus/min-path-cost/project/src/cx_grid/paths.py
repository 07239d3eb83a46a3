"""Cheapest routes through a grid of terrain costs."""

from __future__ import annotations


def min_path_cost(costs: list[list[int]]) -> int:
    """The cheapest total cost from the top-left to the bottom-right cell, moving right or down."""
    rows, cols = len(costs), len(costs[0])

    def cheapest(r: int, c: int) -> int:
        if r == rows - 1 and c == cols - 1:
            return costs[r][c]
        options = []
        if r + 1 < rows:
            options.append(cheapest(r + 1, c))
        if c + 1 < cols:
            options.append(cheapest(r, c + 1))
        return costs[r][c] + min(options)

    return cheapest(0, 0)
