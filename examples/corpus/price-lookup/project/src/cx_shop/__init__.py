"""Pricing shopping carts from a catalog."""

from cx_shop.pricing import order_total

__all__ = ["order_total"]
