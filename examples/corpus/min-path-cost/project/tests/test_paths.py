from __future__ import annotations

import pytest

from cx_grid import min_path_cost


def test_cheapest_route() -> None:
    assert min_path_cost([[1, 3, 1], [1, 5, 1], [4, 2, 1]]) == 7


def test_single_row_and_column() -> None:
    assert min_path_cost([[1, 2, 3]]) == 6
    assert min_path_cost([[1], [2], [3]]) == 6


def test_single_cell() -> None:
    assert min_path_cost([[4]]) == 4


def test_empty_grid() -> None:
    with pytest.raises(IndexError):
        min_path_cost([])
