"""Input shapes: type structure plus size class, counted for the evidence floor."""

from __future__ import annotations

from typing import Any

from ciopt.verdict import TargetEvidence
from ciopt.verify.shapes import (
    call_key,
    classes_in,
    describe_call,
    read_shape,
    tally,
    too_few,
    varies,
)


def key(*args: Any, **kwargs: Any) -> str:
    shape = read_shape(describe_call(args, kwargs))
    assert shape is not None
    return call_key(shape)


def test_a_shape_is_the_structure_plus_a_size_class() -> None:
    assert key([]) == "(list:empty)"
    assert key([1]) == "(list[int]:one)"
    assert key([1, 2, 3, 4, 5]) == "(list[int]:several)"
    assert key([1, "a"], n=3) == "(list[int | str]:several, n=int)"
    assert key({"a": [1.5]}) == "(dict[str, list[float]]:one)"
    assert key((1, "a"), {2}) == "(tuple[int, str], set[int]:one)"
    assert key(tuple(range(20))) == "(tuple[int, ...]:several)"
    assert key([[], [1]]) == "(list[list | list[int]]:several)"


def test_three_sizes_of_one_type_are_three_shapes() -> None:
    calls = [describe_call(([],), {}), describe_call(([1],), {}), describe_call(([1, 2],), {})]
    names, possible = tally([*calls, describe_call(([3, 4, 5],), {}), None])
    assert names == ["(list:empty)", "(list[int]:one)", "(list[int]:several)"]
    assert possible == 3


def test_how_many_shapes_the_types_allow() -> None:
    assert tally([describe_call((1, "a"), {})]) == (["(int, str)"], 1)
    assert tally([describe_call(([1], {}), {"k": {1}})])[1] == 27
    assert tally([describe_call(([1] * i,), {}) for i in range(1, 9)])[1] == 3
    assert tally([]) == ([], None)
    many = describe_call(tuple([[1]] * 8), {})
    assert tally([many])[1] is None  # 3**8: more than any floor asks


def test_unreadable_shapes_are_not_counted() -> None:
    assert read_shape(None) is None
    assert read_shape({"args": "not a list"}) is None
    assert tally([{"args": 3}, "junk", None]) == ([], None)


def test_the_floor_names_the_shapes_and_bends_to_the_types() -> None:
    names, possible = tally([describe_call(([1, 2, 3],), {}) for _ in range(5)])
    five_alike = TargetEvidence(
        target="m.py::dedupe",
        calls_equal=5,
        input_shapes=len(names),
        input_shapes_possible=possible,
        input_shape_names=names,
    )
    why = too_few(five_alike, 3)
    assert why == (
        "m.py::dedupe: the calls compared equal cover 1 distinct input shape(s) "
        "((list[int]:several)); the floor is 3"
    )
    assert too_few(five_alike, 1) is None
    scalar = TargetEvidence(target="m.py::f", input_shapes=1, input_shapes_possible=1)
    assert too_few(scalar, 3) is None  # a function of one int has one shape
    nothing = TargetEvidence(target="m.py::g")
    assert too_few(nothing, 3) == (
        "m.py::g: the calls compared equal cover 0 distinct input shape(s) (none); the floor is 3"
    )


def test_classes_and_what_can_vary() -> None:
    class Order:
        pass

    shape = read_shape(describe_call(([Order()], 3), {}))
    assert shape is not None
    assert classes_in(shape) == {f"{__name__}.{Order.__qualname__}"}
    assert varies(shape)
    alone = read_shape(describe_call((Order(), 3), {}))
    assert alone is not None and not varies(alone)
    assert not varies(None)
