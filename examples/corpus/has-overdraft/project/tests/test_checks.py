from __future__ import annotations

from cx_accounts import has_overdraft


def test_detects_a_negative_balance() -> None:
    assert has_overdraft([10.0, -0.01, 5.0]) is True


def test_zero_is_not_an_overdraft() -> None:
    assert has_overdraft([0.0, -0.0, 3.5]) is False


def test_last_balance_negative() -> None:
    assert has_overdraft([1.0, 2.0, -1e-9]) is True
    assert has_overdraft([-3.0]) is True


def test_all_positive() -> None:
    assert has_overdraft([1.0, 2.5, 1e9]) is False


def test_empty() -> None:
    assert has_overdraft([]) is False
