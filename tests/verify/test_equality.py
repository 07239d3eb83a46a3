"""The deep comparator on real values: normalised by ``ciopt_values``, also across JSON."""

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import enum
import fractions
import importlib
import json
import math
import sys
import threading
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

import pytest

from ciopt.inject import INJECT_DIR
from ciopt.verify.equality import EXACT, Incomparable, Tolerance, difference, show

if str(INJECT_DIR) not in sys.path:
    sys.path.insert(0, str(INJECT_DIR))
ciopt_values: Any = importlib.import_module("ciopt_values")

NAN = float("nan")
INF = float("inf")
CLOSE = Tolerance(rel=1e-9)


def tree(value: Any, *, consume: bool = True) -> Any:
    return ciopt_values.normalize(value, consume=consume)


def wire(node: Any) -> Any:
    """A tree as the replayer writes it and ciopt reads it back: one JSON line."""
    return json.loads(json.dumps(node, sort_keys=True))


def diff(base: Any, head: Any, tol: Tolerance = EXACT, *, consume: bool = True) -> str | None:
    """How ``head`` differs from ``base``; the same answer before and after a JSON round trip."""
    a, b = tree(base, consume=consume), tree(head, consume=consume)
    found = difference(a, b, tol, "return")
    assert difference(wire(a), wire(b), tol, "return") == found
    return found


def incomparable(base: Any, head: Any) -> str:
    """The reason ``difference`` gives up, which it must do on both sides of the wire."""
    a, b = tree(base), tree(head)
    with pytest.raises(Incomparable) as direct:
        difference(a, b, EXACT, "return")
    with pytest.raises(Incomparable) as carried:
        difference(wire(a), wire(b), EXACT, "return")
    assert str(direct.value) == str(carried.value)
    return str(direct.value)


def name(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


# -- values used below ---------------------------------------------------------------------------


@dataclasses.dataclass
class Point:
    x: int
    name: str


@dataclasses.dataclass(slots=True)
class Cell:
    value: float


class Plain:
    def __init__(self, **attrs: Any) -> None:
        self.__dict__.update(attrs)


class Twin:
    def __init__(self, **attrs: Any) -> None:
        self.__dict__.update(attrs)


class Slotted:
    __slots__ = ("a", "b")
    a: Any
    b: Any

    def __init__(self, a: Any) -> None:
        self.a = a


class MoreSlots(Slotted):
    __slots__ = "c"  # noqa: PLC0205 - a lone string is a slot name too

    def __init__(self, a: Any, c: Any) -> None:
        super().__init__(a)
        self.c = c


class Secretive:
    __slots__ = ("__secret",)

    def __init__(self, secret: Any) -> None:
        self.__secret = secret


class Token:
    """Hashed by identity, with nothing to tell two apart."""


class Unpicklable:
    __slots__ = ()

    def __reduce_ex__(self, protocol: Any) -> Any:
        raise TypeError("not today")


class Pair(NamedTuple):
    left: int
    right: int


class Color(enum.Enum):
    RED = 1
    GREEN = 2


class Level(enum.IntEnum):
    LOW = 1


class Meters(float):
    pass


class Labelled(list[int]):
    label = ""


class Boom(Exception):
    pass


def numbers(*items: Any, fail: BaseException | None = None) -> Iterator[Any]:
    yield from items
    if fail is not None:
        raise fail


# -- primitives -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [0, -7, 2**53 - 1, 2**53, -(2**70), 1.5, 0.1 + 0.2, "", "text", None, True, False, NAN, INF],
)
def test_a_value_equals_itself(value: Any) -> None:
    assert diff(value, value) is None


@pytest.mark.parametrize(
    ("base", "head", "message"),
    [
        pytest.param(1, 1.0, "return: 1 became 1.0", id="int-float"),
        pytest.param(1, True, "return: 1 became True", id="int-bool"),
        pytest.param(1.0, True, "return: 1.0 became True", id="float-bool"),
        pytest.param(0, False, "return: 0 became False", id="zero-false"),
        pytest.param(0, None, "return: 0 became None", id="zero-none"),
        pytest.param("1", 1, "return: '1' became 1", id="str-int"),
        pytest.param("a", "b", "return: 'a' became 'b'", id="str"),
        pytest.param(None, "", "return: None became ''", id="none-empty"),
        pytest.param(2**53 - 1, 2**53, "return: 9007199254740991 became <int>", id="int-big"),
        pytest.param(2**60, 2**60 + 1, f"return<hex>: {hex(2**60)!r} became {hex(2**60 + 1)!r}"),
    ],
)
def test_primitives_differ_by_value_and_by_type(base: Any, head: Any, message: str) -> None:
    assert diff(base, head) == message


def test_big_ints_are_tagged_beyond_the_json_safe_range() -> None:
    assert tree(2**53 - 1) == 2**53 - 1
    assert tree(-(2**53)) == {"$": "int", "type": "builtins.int", "hex": "-0x20000000000000"}
    assert diff(2**64, 2**64) is None
    assert diff(-(2**64), 2**64) is not None


# -- floats ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "head", "equal"),
    [
        (0.1 + 0.2, 0.3, False),
        (0.0, -0.0, True),
        (NAN, float("nan"), True),
        (NAN, 1.0, False),
        (1.0, NAN, False),
        (INF, INF, True),
        (INF, -INF, False),
        (INF, 1.7e308, False),
    ],
)
def test_floats_are_exact_by_default(base: float, head: float, equal: bool) -> None:
    found = diff(base, head)
    assert (found is None) is equal
    if not equal:
        assert found == f"return: {base!r} became {head!r}"


@pytest.mark.parametrize(
    ("tol", "base", "head", "equal"),
    [
        (CLOSE, 0.1 + 0.2, 0.3, True),
        (CLOSE, 1e12, 1e12 + 1e-1, True),
        (CLOSE, 1.0, 1.0 + 1e-6, False),
        (CLOSE, 0.0, 1e-300, False),  # relative to zero: nothing is close
        (CLOSE, NAN, NAN, True),
        (CLOSE, NAN, 1.0, False),
        (CLOSE, INF, INF, True),
        (CLOSE, INF, 1.7e308, False),
        (Tolerance(rel=0.5), INF, 1.7e308, False),  # an infinity is never close to a number
        (Tolerance(abs=1e-3), 0.0, 5e-4, True),
        (Tolerance(abs=1e-3), 0.0, 2e-3, False),
    ],
)
def test_a_tolerance_allows_close_floats(
    tol: Tolerance, base: float, head: float, equal: bool
) -> None:
    assert (diff(base, head, tol) is None) is equal
    assert tol.close(base, head) is equal


def test_a_tolerance_reaches_floats_anywhere_but_not_ints() -> None:
    base = [1.0, {"x": 0.1 + 0.2}, Cell(0.1 + 0.2), complex(0.1 + 0.2, 1), Meters(0.1 + 0.2)]
    head = [1.0, {"x": 0.3}, Cell(0.3), complex(0.3, 1), Meters(0.3)]
    assert diff(base, head) == "return[1][x]: 0.30000000000000004 became 0.3"
    assert diff(base, head, CLOSE) is None
    assert diff(slice(0.1 + 0.2), slice(0.3), CLOSE) is None  # inside a reduce node too
    assert diff([1], [2], Tolerance(rel=1.0, abs=10.0)) == "return[0]: 1 became 2"


def test_nan_survives_the_json_line() -> None:
    node = tree([NAN, INF, -INF])
    text = json.dumps(node)
    assert "NaN" in text and "-Infinity" in text
    items = json.loads(text)["items"]
    assert math.isnan(items[0]) and items[1:] == [INF, -INF]
    assert difference(node, json.loads(text)) is None


# -- containers -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "head", "message"),
    [
        pytest.param([1, 2], [2, 1], "return[0]: 1 became 2", id="order"),
        pytest.param([1, 2], [1, 2, 3], "return: 2 items became 3", id="longer"),
        pytest.param([1, 2], [1], "return: 2 items became 1", id="shorter"),
        pytest.param([1, 2], (1, 2), "return: list[1, 2] became tuple[1, 2]", id="list-tuple"),
        pytest.param(
            [0, {"name": "a"}], [0, {"name": "b"}], "return[1][name]: 'a' became 'b'", id="dict"
        ),
        pytest.param(
            [Point(0, "a"), Point(1, "b")],
            [Point(0, "a"), Point(1, "c")],
            "return[1].name: 'b' became 'c'",
            id="attr",
        ),
        pytest.param([[[1]]], [[[1.0]]], "return[0][0][0]: 1 became 1.0", id="deep"),
        pytest.param(
            collections.deque([1, 2]), [1, 2], "return: collections.deque[1, 2] became list[1, 2]"
        ),
    ],
)
def test_sequences_compare_in_order(base: Any, head: Any, message: str) -> None:
    assert diff(base, head) == message


def test_sequences_of_every_kind_equal_themselves() -> None:
    shared = [1]
    assert diff([1, (2, "x"), None], [1, (2, "x"), None]) is None
    assert diff(collections.deque([1, 2], maxlen=5), collections.deque([1, 2])) is None
    assert diff([shared, shared], [[1], [1]]) is None  # a shared list is not a cycle


def test_dicts_compare_by_key_in_any_order() -> None:
    assert diff({"a": 1, "b": [2]}, {"b": [2], "a": 1}) is None
    assert diff({(1, 2): "x", 3: None}, {3: None, (1, 2): "x"}) is None
    assert diff({"a": 1, "b": 2}, {"a": 1, "b": 3}) == "return[b]: 2 became 3"
    assert diff({"a": 1, "b": 2}, {"a": 1}) == "return[b]: missing from the candidate's result"
    assert diff({"a": 1}, {"a": 1, "c": 3}) == "return[c]: only in the candidate's result"
    assert diff({"a": 1}, {"A": 1}) == "return[a]: missing from the candidate's result"


def test_dict_keys_keep_their_type() -> None:
    assert diff({1: "a"}, {"1": "a"}) == "return[1]: missing from the candidate's result"
    assert diff({1: "a"}, {True: "a"}) == "return[1]: missing from the candidate's result"
    assert diff({1: "a"}, {1.0: "a"}) == "return[1]: missing from the candidate's result"


def test_ordered_dicts_compare_in_order() -> None:
    od = collections.OrderedDict
    assert diff(od(a=1, b=2), od(a=1, b=2)) is None
    assert diff(od(a=1, b=2), od(b=2, a=1)) == "return: key order ['a', 'b'] became ['b', 'a']"
    assert diff(od(a=1), {"a": 1}) == "return: <collections.OrderedDict> became <dict>"
    counts = collections.Counter
    assert diff(counts("aab"), counts("baa")) is None
    assert diff(counts("aab"), counts("abb")) == "return[a]: 2 became 1"


def test_sets_compare_as_sets() -> None:
    assert diff(set(range(50)), set(reversed(range(50)))) is None
    assert diff({"b", "a", "c"}, {"c", "a", "b"}) is None
    assert diff({1, "a", None, (1, 2)}, {(1, 2), None, "a", 1}) is None
    assert diff({1, 2}, {1, 3}) == "return[1]: 2 became 3"
    assert diff({1, 2}, {1, 2, 3}) == "return: 2 items became 3"
    assert diff(frozenset({1, 2}), {1, 2}) == "return: frozenset[1, 2] became set[1, 2]"
    assert diff({1}, {1.0}) == "return[0]: 1 became 1.0"


def test_dict_views_are_sequences() -> None:
    base = {"a": 1, "b": 2}
    assert diff(base.keys(), dict(base).keys()) is None
    assert diff(base.values(), dict(base).values()) is None
    assert diff(base.items(), dict(base).items()) is None
    assert diff(base.items(), {"a": 1, "b": 3}.items()) == "return[1][1]: 2 became 3"
    assert diff(base.keys(), ["a", "b"]) == "return: dict_keys['a', 'b'] became list['a', 'b']"


def test_named_tuples_are_not_tuples() -> None:
    assert diff(Pair(1, 2), Pair(1, 2)) is None
    assert diff(Pair(1, 2), Pair(1, 3)) == "return[1]: 2 became 3"
    assert diff((1, 2), Pair(1, 2)) == f"return: tuple[1, 2] became {name(Pair)}[1, 2]"


def test_attributes_of_container_subclasses_count() -> None:
    a, b = Labelled([1]), Labelled([1])
    a.label, b.label = "x", "y"
    assert diff(a, a) is None
    assert diff(a, b) == "return.label: 'x' became 'y'"
    assert diff(Meters(1.5), 1.5) == f"return: <{name(Meters)}> became 1.5"
    assert diff(Meters(1.5), Meters(2.5)) == "return<value>: 1.5 became 2.5"


# -- objects --------------------------------------------------------------------------------------


def test_dataclasses_compare_by_fields() -> None:
    assert diff(Point(1, "a"), Point(1, "a")) is None
    assert diff(Point(1, "a"), Point(2, "a")) == "return.x: 1 became 2"
    assert diff(Cell(1.0), Cell(1.0)) is None
    assert diff(Cell(1.0), Cell(2.0)) == "return.value: 1.0 became 2.0"


def test_plain_objects_compare_by_their_dict() -> None:
    assert diff(Plain(a=1, b=[2]), Plain(b=[2], a=1)) is None
    assert diff(Plain(a=1, b=[2]), Plain(a=1, b=[3])) == "return.b[0]: 2 became 3"
    assert diff(Plain(a=1), Plain(a=1, z=0)) == "return.z: only on the candidate's object"
    assert diff(Plain(a=1, z=0), Plain(a=1)) == "return.z: only on the baseline's object"


def test_the_class_counts_not_just_the_attributes() -> None:
    found = diff(Plain(a=1), Twin(a=1))
    assert found == f"return: <{name(Plain)}> became <{name(Twin)}>"


def test_slots_are_attributes() -> None:
    assert diff(Slotted(1), Slotted(1)) is None
    assert diff(Slotted(1), Slotted(2)) == "return.a: 1 became 2"
    assert diff(MoreSlots(1, 2), MoreSlots(1, 3)) == "return.c: 2 became 3"
    assert diff(MoreSlots(1, 2), MoreSlots(0, 2)) == "return.a: 1 became 0"
    assert diff(Secretive(1), Secretive(1)) is None
    assert diff(Secretive(1), Secretive(2)) == "return._Secretive__secret: 1 became 2"


def test_a_slot_never_assigned_is_not_a_slot_holding_none() -> None:
    assert tree(Slotted(1))["attrs"] == {"a": 1}  # "b" was never assigned
    assert diff(Slotted(1), Slotted(1)) is None
    assigned = Slotted(1)
    assigned.b = None
    assert diff(Slotted(1), assigned) == "return.b: only on the candidate's object"


def test_objects_in_cycles_terminate() -> None:
    a, b = Plain(n=1), Plain(n=1)
    a.__dict__["me"], b.__dict__["me"] = a, b
    assert tree(a)["attrs"]["me"] == {"$": "cycle", "type": name(Plain)}
    assert diff(a, b) is None
    b.__dict__["n"] = 2
    assert diff(a, b) == "return.n: 1 became 2"


# -- exceptions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "head", "message"),
    [
        (ValueError("x"), ValueError("x"), None),
        (Boom("x", 1), Boom("x", 1), None),
        (ValueError("x"), TypeError("x"), "return: ValueError('x') became TypeError('x')"),
        (ValueError("x"), ValueError("y"), "return<args>[0]: 'x' became 'y'"),
        (ValueError("x"), ValueError("x", 1), "return<args>: 1 items became 2"),
        (KeyError(("k", 1)), KeyError(("k", 2)), "return<args>[0][1]: 1 became 2"),
        (Boom("x"), ValueError("x"), f"return: {name(Boom)}('x') became ValueError('x')"),
    ],
)
def test_exceptions_compare_by_type_and_args(
    base: BaseException, head: BaseException, message: str | None
) -> None:
    assert diff(base, head) == message


# -- generators and iterators ---------------------------------------------------------------------


def test_generators_are_materialised() -> None:
    assert tree(numbers(1, 2)) == {"$": "iter", "type": "builtins.generator", "items": [1, 2]}
    assert diff(numbers(1, 2), numbers(1, 2)) is None
    assert diff(numbers(1, 2), numbers(1, 3)) == "return[1]: 2 became 3"
    assert diff(numbers(1, 2), numbers(1)) == "return: 2 items became 1"
    assert diff(numbers(1, 2), [1, 2]) == "return: generator[1, 2] became list[1, 2]"


@pytest.mark.parametrize(
    "make",
    [
        lambda: map(str, [1, 2]),
        lambda: filter(None, [0, 1, 2]),
        lambda: iter([1, 2]),
        lambda: iter({"a": 1}.items()),
        lambda: (x * 2 for x in range(3)),
        lambda: enumerate("ab"),
        lambda: zip([1, 2], "ab", strict=True),
    ],
)
def test_iterators_are_materialised(make: Callable[[], Iterator[Any]]) -> None:
    node = tree(make())
    assert node["$"] == "iter"
    assert node["items"] == wire(tree(list(make())))["items"]
    assert diff(make(), make()) is None


def test_iterators_of_different_kinds_differ() -> None:
    assert diff(map(int, "12"), iter([1, 2])) == "return: map[1, 2] became list_iterator[1, 2]"
    assert diff(filter(None, [1]), filter(None, [2])) == "return[0]: 1 became 2"


def test_an_iterator_that_raises_keeps_what_it_raised() -> None:
    node = tree(numbers(1, fail=ValueError("boom")))
    assert node["items"] == [1]
    assert node["raised"] == {"$": "exc", "type": "builtins.ValueError", "args": ["boom"]}
    same = diff(numbers(1, fail=ValueError("boom")), numbers(1, fail=ValueError("boom")))
    assert same is None
    other = diff(numbers(1, fail=ValueError("boom")), numbers(1, fail=ValueError("bang")))
    assert other == "return<raised><args>[0]: 'boom' became 'bang'"
    boom = f"{name(Boom)}()"
    assert diff(numbers(1), numbers(1, fail=Boom())) == f"return<raised>: None became {boom}"
    assert diff(numbers(1, fail=Boom()), numbers(1)) == f"return<raised>: {boom} became None"


def test_without_consume_iterators_are_left_alone() -> None:
    gen = numbers(1, 2)
    assert tree(gen, consume=False) == {"$": "iter", "type": "builtins.generator", "items": None}
    assert next(gen) == 1  # not drained
    assert diff(numbers(1), numbers(2), consume=False) is None  # unknown items: not a difference
    undrained, drained = tree(numbers(1), consume=False), tree(numbers(2))
    assert difference(undrained, drained) is None
    assert difference(wire(drained), wire(undrained)) is None
    # nor how it ends: a replay that drains it sees an error, or more items than it keeps
    raising = tree(numbers(1, fail=ValueError("n must be greater than 0")))
    assert difference(undrained, raising) is None
    long = tree(numbers(*range(ciopt_values.MAX_ITEMS + 1)))
    assert long["truncated"] is True
    assert difference(undrained, long) is None


def test_a_long_iterator_is_truncated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ciopt_values, "MAX_ITEMS", 3)
    assert tree(iter(range(10))) == {
        "$": "iter",
        "type": "builtins.range_iterator",
        "items": [0, 1, 2],
        "truncated": True,
    }
    assert diff(iter(range(10)), iter(range(3))) == "return<truncated>: True became None"


# -- tagged scalars, C types and references -------------------------------------------------------


@pytest.mark.parametrize(
    ("base", "head", "message"),
    [
        (Color.RED, Color.RED, None),
        (Color.RED, Color.GREEN, "return<name>: 'RED' became 'GREEN'"),
        (Color.RED, 1, f"return: <{name(Color)}> became 1"),
        (Level.LOW, 1, f"return: <{name(Level)}> became 1"),
        (b"ab", b"ab", None),
        (b"ab", b"ac", "return<hex>: '6162' became '6163'"),
        (b"ab", bytearray(b"ab"), "return: <bytes> became <bytearray>"),
        (bytearray(b"ab"), bytearray(b"ab"), None),
        (memoryview(b"ab"), memoryview(b"ab"), None),
        (1 + 2j, 1 + 2j, None),
        (1 + 2j, 1 + 3j, "return<im>: 2.0 became 3.0"),
        (complex(NAN, 0), complex(NAN, 0), None),
        (1 + 0j, 1.0, "return: <complex> became 1.0"),
    ],
)
def test_tagged_scalars(base: Any, head: Any, message: str | None) -> None:
    assert diff(base, head) == message


def test_c_types_compare_by_what_pickle_would_store() -> None:
    assert tree(decimal.Decimal("1.5"))["$"] == "reduce"
    assert tree(datetime.date(2024, 1, 1))["$"] == "reduce"
    assert diff(decimal.Decimal("1.5"), decimal.Decimal("1.5")) is None
    assert diff(decimal.Decimal("1.5"), decimal.Decimal("2.5")) == (
        "return<value>[0][0]: '1.5' became '2.5'"
    )
    assert diff(decimal.Decimal("1.5"), 1.5) == "return: <decimal.Decimal> became 1.5"
    moment = datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    assert diff(moment, moment.replace()) is None
    assert diff(moment, moment.replace(second=6)) is not None
    assert diff(moment, moment.replace(tzinfo=None)) == "return<value>[0]: 2 items became 1"
    later = datetime.timedelta(days=1)
    assert diff(later, datetime.timedelta(hours=24)) is None
    assert diff(later, datetime.timedelta(days=2)) == "return<value>[0][0]: 1 became 2"
    assert diff(fractions.Fraction(2, 6), fractions.Fraction(1, 3)) is None
    assert diff(fractions.Fraction(1, 3), fractions.Fraction(2, 3)) is not None
    assert diff(slice(NAN), slice(float("nan"))) is None  # floats in a reduce node: by the rules


def test_functions_classes_and_modules_compare_by_name() -> None:
    assert diff(len, len) is None
    assert diff(len, print) == "return<name>: 'builtins.len' became 'builtins.print'"
    assert tree(Point) == {"$": "ref", "type": name(Point), "name": name(Point)}
    assert diff(Point, Point) is None
    assert diff(Point, Plain) == f"return: {name(Point)} became {name(Plain)}"
    assert diff(numbers, numbers) is None
    assert diff(json, json) is None
    assert diff(json, math) == "return<name>: 'json' became 'math'"
    assert diff(Point, Point(1, "a")) == f"return: {name(Point)} became <{name(Point)}>"


# -- what cannot be compared ----------------------------------------------------------------------


def test_a_list_containing_itself_terminates() -> None:
    a: list[Any] = [1]
    a.append(a)
    b: list[Any] = [1]
    b.append(b)
    assert tree(a)["items"][1] == {"$": "cycle", "type": "builtins.list"}
    assert diff(a, b) is None
    assert diff(a, [1, [1]]) == "return[1]: <list (cycle)> became list[1]"
    d: dict[str, Any] = {}
    d["self"] = d
    assert diff(d, {"self": {}}) == "return[self]: <dict (cycle)> became <dict>"


def nested(depth: int, make: Callable[[Any], Any]) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = make(value)
    return value


@pytest.mark.parametrize("make", [lambda x: [x], lambda x: {"k": x}, lambda x: Plain(inner=x)])
def test_very_deep_nesting_is_incomparable(make: Callable[[Any], Any]) -> None:
    assert diff(nested(50, make), nested(50, make)) is None
    deep = nested(ciopt_values.MAX_DEPTH + 50, make)
    assert '"$": "opaque"' in json.dumps(tree(deep))
    assert "too deeply nested" in incomparable(deep, deep)


def test_an_unpicklable_value_is_incomparable_never_equal() -> None:
    node = tree(Unpicklable())
    assert node == {"$": "opaque", "type": name(Unpicklable), "why": "TypeError: not today"}
    why = f"{name(Unpicklable)} cannot be compared (TypeError: not today)"
    assert incomparable(Unpicklable(), Unpicklable()) == f"return: {why}"
    assert incomparable([0, Unpicklable()], [0, Unpicklable()]) == f"return[1]: {why}"
    assert incomparable(Unpicklable(), 1) == f"return: {why}"
    assert incomparable(1, Unpicklable()) == f"return: {why}"
    assert incomparable({Unpicklable()}, {Unpicklable()}) == f"return[0]: {why}"
    assert incomparable(Plain(a=Unpicklable()), Plain(a=Unpicklable())) == f"return.a: {why}"


def test_an_opaque_value_anywhere_is_incomparable() -> None:
    lock = threading.Lock()
    assert "cannot pickle" in incomparable(slice(lock), slice(lock))  # inside a reduce node
    assert "_thread.lock cannot be compared" in incomparable({lock: 1}, {lock: 1})  # a key
    assert "cannot be compared" in incomparable({(1, lock): 1}, {(1, lock): 1})


def test_keys_that_cannot_be_told_apart_are_incomparable() -> None:
    found = incomparable({Token(): 1, Token(): 2}, {Token(): 1, Token(): 2})
    assert found == "return: distinct keys normalised alike cannot be matched"


def test_a_value_too_big_is_compared_by_digest(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ciopt_values, "MAX_JSON", 50)
    node = tree(list(range(100)))
    assert node["$"] == "digest" and node["type"] == "builtins.list"
    assert diff(list(range(100)), list(range(100))) is None
    assert (diff(list(range(100)), list(range(1, 101))) or "").startswith("return<sha256>: ")


# -- paths and show -------------------------------------------------------------------------------


def test_without_a_path_the_value_is_named_value() -> None:
    assert difference(tree(1), tree(2)) == "value: 1 became 2"
    assert difference(tree([1]), tree([1, 2])) == "value: 1 items became 2"
    assert difference(tree([1]), tree([2])) == "[0]: 1 became 2"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (ValueError("x", 2), "ValueError('x', 2)"),
        (Boom(), f"{name(Boom)}()"),
        (KeyError("a", "b", "c", "d"), "KeyError('a', 'b', 'c')"),
        ([1, "a", None], "list[1, 'a', None]"),
        ((1.5,), "tuple[1.5]"),
        ([], "list[]"),
        (list(range(7)), "list[0, 1, 2, 3, 4, …]"),
        ([[1, 2], (3,)], "list[list[1, 2], tuple[3]]"),
        ({2, 1}, "set[1, 2]"),
        ({"a": 1}, "<dict>"),
        (Point(1, "a"), f"<{name(Point)}>"),
        (b"x", "<bytes>"),
        (len, "builtins.len"),
        (Point, name(Point)),
        (1.0, "1.0"),
        ("x" * 100, repr("x" * 100)[:57] + "…"),
    ],
)
def test_show_renders_values_readably(value: Any, shown: str) -> None:
    assert show(tree(value)) == shown
    assert show(wire(tree(value))) == shown


def test_show_an_undrained_iterator() -> None:
    assert show(tree(numbers(1), consume=False)) == "<generator>"
    assert show(tree(numbers(1))) == "generator[1]"
