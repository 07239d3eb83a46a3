"""Inputs generated from recorded shapes: edge cases first, then hypothesis, builtins only."""

from __future__ import annotations

import math
from typing import Any

from ciopt.verify.shapegen import LARGE_MAX, LARGE_MIN, from_shapes
from ciopt.verify.shapes import CallShape, describe_call, read_shape

Call = tuple[tuple[Any, ...], dict[str, Any]]


def shapes(*calls: tuple[Any, ...]) -> list[CallShape | None]:
    return [read_shape(describe_call(args, {})) for args in calls]


def first_args(calls: list[Call]) -> list[Any]:
    return [args[0] for args, _ in calls]


def test_lists_of_ints_get_empty_one_duplicates_large_and_unusual_values() -> None:
    made = from_shapes(shapes(([3, 1, 2],), ([5, 4],)), max_examples=40, seconds=5, seed=0)
    assert made.structures == 1 and not made.unbuilt
    lists = first_args(made.calls)
    assert len(made.calls) == 40 and all(type(x) is list for x in lists)
    assert all(type(i) is int for x in lists for i in x)
    assert [] in lists
    assert any(len(x) == 1 for x in lists)
    assert any(len(x) > len(set(x)) for x in lists)  # duplicates
    large = max(lists, key=len)
    assert LARGE_MIN <= len(large) <= LARGE_MAX and len(set(large)) == len(large)
    values = {i for x in lists for i in x}
    assert {0, -1, 2**64, -(2**63)} <= values  # huge ints inside containers
    assert not any(isinstance(v, float) for v in values)  # no floats where none were seen


def test_the_large_container_follows_the_longest_recorded_one_within_bounds() -> None:
    def longest(n: int) -> int:
        made = from_shapes(shapes((list(range(n)),)), max_examples=12, seconds=5, seed=0)
        return max(len(x) for x in first_args(made.calls))

    assert longest(3) == LARGE_MIN
    assert longest(300) == 600
    assert longest(5_000) == LARGE_MAX


def test_unusual_values_of_each_scalar_type() -> None:
    made = from_shapes(shapes(("word", 1.5, 3)), max_examples=30, seconds=5, seed=0)
    texts = {args[0] for args, _ in made.calls}
    floats = [args[1] for args, _ in made.calls]
    ints = {args[2] for args, _ in made.calls}
    assert {"", "é中𝔘"} <= texts
    assert any(math.isnan(f) for f in floats) and math.inf in floats and -math.inf in floats
    assert {0, -1} <= ints and all(abs(i) <= LARGE_MAX for i in ints)  # sizes stay small
    typical = made.calls[0]
    assert typical == (("abc", 1.5, 2), {})  # then one argument at a time
    assert made.calls[1][0][1:] == (1.5, 2) and made.calls[2][0][::2] == ("abc", 2)


def test_nested_empties_dicts_sets_tuples_and_keywords() -> None:
    recorded = [read_shape(describe_call(([[1, 2]], {"a": 1}), {"tags": {"x"}, "at": (1, "b")}))]
    made = from_shapes(recorded, max_examples=50, seconds=5, seed=1)
    nested = first_args(made.calls)
    assert [[]] in nested or any([] in x for x in nested)  # nested empty lists
    assert {} in [args[1] for args, _ in made.calls]
    tags = [kw["tags"] for _, kw in made.calls]
    assert set() in tags and all(type(t) is set for t in tags)
    assert all(type(kw["at"]) is tuple and len(kw["at"]) == 2 for _, kw in made.calls)
    assert any(kw["at"][1] == "" for _, kw in made.calls)


def test_deterministic_for_a_seed_and_bounded() -> None:
    recorded = shapes(([1, 2],), ("a", [2.5]))
    once = from_shapes(recorded, max_examples=25, seconds=5, seed=7)
    again = from_shapes(recorded, max_examples=25, seconds=5, seed=7)
    assert repr(once.calls) == repr(again.calls)
    assert len(once.calls) == 25 and once.structures == 2
    assert from_shapes(recorded, max_examples=0, seconds=5, seed=0).calls == []
    assert len({repr(c) for c in once.calls}) == 25  # distinct


def test_objects_of_classes_are_not_invented() -> None:
    class Order:
        pass

    recorded = [*shapes(([Order()],), (Order(), 2)), None, *shapes(([1],))]
    made = from_shapes(recorded, max_examples=10, seconds=5, seed=0)
    assert made.unbuilt == [0, 1]
    assert made.classes == {f"{__name__}.{Order.__qualname__}"}
    assert made.structures == 1
    assert all(type(x) is list and all(type(i) is int for i in x) for x in first_args(made.calls))
