from __future__ import annotations

from cx_bank import running_balance


def test_balance_after_each_transaction() -> None:
    assert running_balance([100, -30, 5]) == [100, 70, 75]


def test_opening_balance() -> None:
    assert running_balance([-50, 20], opening=40) == [-10, 10]


def test_single_and_negative_transactions() -> None:
    assert running_balance([42]) == [42]
    assert running_balance([-1, -2, -3], opening=-10) == [-11, -13, -16]


def test_no_transactions() -> None:
    assert running_balance([], opening=7) == []
