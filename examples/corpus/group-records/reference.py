def group_by_city(people: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The names of the (name, city) people per city.

    Cities come in order of first appearance, names in input order.
    """
    groups: dict[str, list[str]] = {}
    for name, city in people:
        if city in groups:
            groups[city].append(name)
        else:
            groups[city] = [name]
    return groups
