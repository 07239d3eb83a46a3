from __future__ import annotations

from cx_people import group_by_city


def test_groups_in_order_of_appearance() -> None:
    people = [("ann", "Oslo"), ("bob", "Rome"), ("cid", "Oslo"), ("dan", "Lima")]
    result = group_by_city(people)
    assert result == {"Oslo": ["ann", "cid"], "Rome": ["bob"], "Lima": ["dan"]}
    assert list(result) == ["Oslo", "Rome", "Lima"]


def test_same_name_twice() -> None:
    assert group_by_city([("ann", "X"), ("ann", "X")]) == {"X": ["ann", "ann"]}


def test_one_person_per_city() -> None:
    people = [("eve", "Kyiv"), ("fay", "Baku")]
    assert group_by_city(people) == {"Kyiv": ["eve"], "Baku": ["fay"]}
    assert group_by_city([("gus", "Riga")]) == {"Riga": ["gus"]}


def test_empty() -> None:
    assert group_by_city([]) == {}
