def order_total(skus: list[str], catalog: list[tuple[str, int]]) -> int:
    """The total price in cents of the ordered *skus*.

    The first catalog entry of a SKU wins; an unknown SKU raises KeyError.
    """
    prices: dict[str, int] = {}
    for code, price in catalog:
        if code not in prices:
            prices[code] = price
    total = 0
    for sku in skus:
        if sku not in prices:
            raise KeyError(f"unknown SKU {sku!r}")
        total += prices[sku]
    return total
