def attach_customers(
    orders: list[tuple[int, int]], customers: list[tuple[int, str]]
) -> list[tuple[int, str | None]]:
    """(order id, customer name) for each (order id, customer id) order.

    The name is None for an unknown customer; when a customer id is listed twice, the
    first record wins.
    """
    names: dict[int, str] = {}
    for cid, cname in customers:
        if cid not in names:
            names[cid] = cname
    return [(order_id, names.get(customer_id)) for order_id, customer_id in orders]
