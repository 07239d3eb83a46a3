from __future__ import annotations

from cx_windows import moving_totals


def test_totals_of_each_window() -> None:
    assert moving_totals([1, 2, 3, 4, 5], 3) == [6, 9, 12]


def test_width_one_and_full_width() -> None:
    assert moving_totals([4, -1, 7], 1) == [4, -1, 7]
    assert moving_totals([4, -1, 7], 3) == [10]


def test_window_wider_than_data() -> None:
    assert moving_totals([1, 2], 5) == []


def test_empty() -> None:
    assert moving_totals([], 2) == []
