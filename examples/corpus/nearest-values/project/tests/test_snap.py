from __future__ import annotations

import pytest

from cx_levels import nearest


def test_snaps_to_closest() -> None:
    assert nearest([0, 10, 20], [3, 8, 14, 25, -4]) == [0, 10, 10, 20, 0]


def test_tie_goes_to_lower_level() -> None:
    assert nearest([20, 10], [15]) == [10]


def test_exact_and_repeated_levels() -> None:
    assert nearest([5, 5, 1], [5, 2]) == [5, 1]


def test_no_readings() -> None:
    assert nearest([1], []) == []


def test_no_levels() -> None:
    with pytest.raises(ValueError):
        nearest([], [1])
