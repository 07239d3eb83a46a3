from __future__ import annotations

from cx_ranks import count_below


def test_counts_strictly_below() -> None:
    assert count_below([5, 1, 3, 3, 9], [3, 4, 10, 0]) == [1, 3, 5, 0]


def test_negative_values() -> None:
    assert count_below([-5, -1, 2], [-1]) == [1]


def test_empty_inputs() -> None:
    assert count_below([], [1, 2]) == [0, 0]
    assert count_below([1, 2], []) == []
