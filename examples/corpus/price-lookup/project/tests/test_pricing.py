from __future__ import annotations

import pytest

from cx_shop import order_total

CATALOG = [("A-1", 250), ("B-2", 1999), ("C-3", 5)]


def test_sums_prices() -> None:
    assert order_total(["A-1", "C-3"], CATALOG) == 255


def test_repeated_items_count_each_time() -> None:
    assert order_total(["C-3", "C-3", "C-3"], CATALOG) == 15


def test_empty_cart() -> None:
    assert order_total([], CATALOG) == 0


def test_unknown_sku_raises() -> None:
    with pytest.raises(KeyError):
        order_total(["A-1", "Z-9"], CATALOG)
