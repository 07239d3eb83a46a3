from __future__ import annotations

from cx_reconcile import reconcile


def test_finds_missing_and_unexpected_ids() -> None:
    assert reconcile([1, 2, 3, 4], [4, 2, 9]) == ([1, 3], [9])


def test_keeps_order_and_repeats() -> None:
    assert reconcile([5, 1, 5, 2], [2, 7, 7]) == ([5, 1, 5], [7, 7])


def test_identical_lists() -> None:
    assert reconcile([3, 1, 2], [1, 2, 3]) == ([], [])


def test_empty_lists() -> None:
    assert reconcile([], []) == ([], [])
    assert reconcile([1], []) == ([1], [])
    assert reconcile([], [1]) == ([], [1])
