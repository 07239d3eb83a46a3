from __future__ import annotations

from cx_orders import attach_customers


def test_attaches_names_in_order() -> None:
    orders = [(100, 2), (101, 1), (102, 2)]
    customers = [(1, "Ann"), (2, "Bob")]
    assert attach_customers(orders, customers) == [(100, "Bob"), (101, "Ann"), (102, "Bob")]


def test_unknown_customer_is_none() -> None:
    assert attach_customers([(7, 99)], [(1, "Ann")]) == [(7, None)]


def test_first_customer_record_wins() -> None:
    customers = [(1, "Ann"), (2, "Bob"), (1, "Ann (old address)")]
    assert attach_customers([(5, 1)], customers) == [(5, "Ann")]


def test_empty_inputs() -> None:
    assert attach_customers([], [(1, "Ann")]) == []
    assert attach_customers([(1, 1)], []) == [(1, None)]
