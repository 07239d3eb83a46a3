"""Cheapest routes through cost grids."""

from cx_grid.paths import min_path_cost

__all__ = ["min_path_cost"]
