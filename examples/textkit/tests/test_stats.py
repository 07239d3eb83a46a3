from __future__ import annotations

import pytest

from textkit import normalize


def test_largest_value_becomes_one() -> None:
    assert normalize([1.0, 2.0, 4.0]) == [0.25, 0.5, 1.0]


def test_order_is_preserved() -> None:
    assert normalize([5.0, 10.0, 0.0, 2.5]) == [0.5, 1.0, 0.0, 0.25]


def test_single_value() -> None:
    assert normalize([7.5]) == [1.0]


def test_all_zero_input_returns_zeros() -> None:
    assert normalize([0.0, 0.0, 0.0]) == [0.0, 0.0, 0.0]


def test_integers_are_accepted() -> None:
    assert normalize([2, 4]) == [0.5, 1.0]


def test_empty_input_raises() -> None:
    with pytest.raises(ValueError):
        normalize([])


def test_input_is_not_modified() -> None:
    values = [3.0, 6.0]
    normalize(values)
    assert values == [3.0, 6.0]
