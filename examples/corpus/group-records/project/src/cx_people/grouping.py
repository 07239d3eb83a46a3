"""Grouping a contact list by city."""

from __future__ import annotations


def group_by_city(people: list[tuple[str, str]]) -> dict[str, list[str]]:
    """The names of the (name, city) people per city.

    Cities come in order of first appearance, names in input order.
    """
    cities = []
    for _, city in people:
        if city not in cities:
            cities.append(city)
    return {city: [name for name, c in people if c == city] for city in cities}
