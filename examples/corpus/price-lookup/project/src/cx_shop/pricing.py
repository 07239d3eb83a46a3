"""Pricing shopping carts from the product catalog."""

from __future__ import annotations


def order_total(skus: list[str], catalog: list[tuple[str, int]]) -> int:
    """The total price in cents of the ordered *skus*.

    The first catalog entry of a SKU wins; an unknown SKU raises KeyError.
    """
    total = 0
    for sku in skus:
        for code, price in catalog:
            if code == sku:
                total += price
                break
        else:
            raise KeyError(f"unknown SKU {sku!r}")
    return total
