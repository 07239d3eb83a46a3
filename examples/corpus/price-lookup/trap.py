def order_total(skus: list[str], catalog: list[tuple[str, int]]) -> int:
    """The total price in cents of the ordered *skus*.

    The first catalog entry of a SKU wins; an unknown SKU raises KeyError.
    """
    prices = dict(catalog)
    return sum(prices[sku] for sku in skus)
