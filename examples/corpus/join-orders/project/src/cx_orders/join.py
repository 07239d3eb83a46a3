"""Joining orders with customer records for the daily report."""

from __future__ import annotations


def attach_customers(
    orders: list[tuple[int, int]], customers: list[tuple[int, str]]
) -> list[tuple[int, str | None]]:
    """(order id, customer name) for each (order id, customer id) order.

    The name is None for an unknown customer; when a customer id is listed twice, the
    first record wins.
    """
    result = []
    for order_id, customer_id in orders:
        name = None
        for cid, cname in customers:
            if cid == customer_id:
                name = cname
                break
        result.append((order_id, name))
    return result
