"""Joining orders with customer records."""

from cx_orders.join import attach_customers

__all__ = ["attach_customers"]
