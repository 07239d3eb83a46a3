from __future__ import annotations

from cx_packing import count_subsets


def test_counts_subsets() -> None:
    assert count_subsets([1, 2, 3, 4], 5) == 2


def test_equal_weights_count_by_position() -> None:
    assert count_subsets([2, 2, 2], 4) == 3


def test_zero_target_counts_the_empty_subset() -> None:
    assert count_subsets([1, 2], 0) == 1
    assert count_subsets([], 0) == 1


def test_unreachable_target() -> None:
    assert count_subsets([5, 10], 7) == 0
    assert count_subsets([], 3) == 0
