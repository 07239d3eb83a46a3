"""The shapes of call arguments the recorder keeps: types and sizes, read cheaply."""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from dataclasses import dataclass

from ciopt.inject import ciopt_shapes
from ciopt.inject.ciopt_shapes import describe_call


@dataclass
class Order:
    qty: int


def test_scalars_by_type_and_keywords_apart() -> None:
    shape = describe_call((1, 2.5, "a", b"b", True, None, 1j), {"flag": False})
    assert shape == {
        "args": ["int", "float", "str", "bytes", "bool", "None", "complex"],
        "kwargs": {"flag": "bool"},
    }


def test_nested_containers_with_their_item_shapes() -> None:
    value = {"a": [1, 2], "b": []}
    shape = describe_call(([value], (1, "x"), {3, 4}, frozenset({"z"})), {})
    assert shape is not None
    listed, pair, numbers, letters = shape["args"]
    assert listed == {
        "type": "list",
        "len": 1,
        "items": [
            {
                "type": "dict",
                "len": 2,
                "keys": ["str"],
                "values": [  # distinct by structure: an empty list is told apart
                    {"type": "list", "len": 2, "items": ["int"]},
                    {"type": "list", "len": 0, "items": []},
                ],
            }
        ],
    }
    assert pair == {"type": "tuple", "len": 2, "fields": ["int", "str"]}
    assert numbers == {"type": "set", "len": 2, "items": ["int"]}
    assert letters == {"type": "frozenset", "len": 1, "items": ["str"]}
    json.dumps(shape)  # JSON-able


def test_mixed_items_are_kept_distinct_up_to_a_bound() -> None:
    shape = describe_call(([1, "a", 1.5, None, b"", True, 2, "b"],), {})
    assert shape is not None
    assert shape["args"][0]["items"] == ["int", "str", "float", "None"]  # DISTINCT of them


def test_classes_by_qualified_name_even_subclasses_of_builtins() -> None:
    shape = describe_call(([Order(1)], OrderedDict(a=1)), {})
    assert shape is not None
    name = f"{__name__}.Order"
    assert shape["args"][0]["items"] == [{"type": "object", "class": name}]
    assert shape["args"][1] == {"type": "object", "class": "collections.OrderedDict"}


def test_long_tuples_are_described_as_sequences() -> None:
    shape = describe_call((tuple(range(20)),), {})
    assert shape is not None
    assert shape["args"][0] == {"type": "tuple", "len": 20, "items": ["int"]}


def test_large_inputs_cost_a_bounded_sample() -> None:
    big = [[i, [i, i]] for i in range(5_000)]
    walker = ciopt_shapes._Walker()
    started = time.perf_counter()
    shape = walker.shape(big, 0)
    assert time.perf_counter() - started < 0.05
    assert walker.nodes == 1 + ciopt_shapes.SAMPLE * 5  # 8 of the items: 5 values each
    assert shape["len"] == 5_000
    assert shape["items"] == [
        {"type": "list", "len": 2, "items": ["int", {"type": "list", "len": 2, "items": ["int"]}]}
    ]
    huge = {i: list(range(100)) for i in range(5_000)}
    walker = ciopt_shapes._Walker()
    assert walker.shape(huge, 0)["len"] == 5_000
    assert walker.nodes <= ciopt_shapes.MAX_NODES + 1


def test_deep_nesting_ends_in_an_ellipsis() -> None:
    deep: list[object] = []
    for _ in range(10):
        deep = [deep]
    shape = describe_call((deep,), {})
    assert shape is not None
    node = shape["args"][0]
    for _ in range(ciopt_shapes.MAX_DEPTH):
        node = node["items"][0]
    assert node == "..."


def test_an_unreadable_call_has_no_shape() -> None:
    assert describe_call((1,), None) is None  # kwargs that are not a mapping
