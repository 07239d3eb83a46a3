from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from typing import Any

import pytest

from ciopt.verify.generate import Generated, generate_inputs

Call = tuple[tuple[Any, ...], dict[str, Any]]


def _generate(hint: str, header: str = "", max_examples: int = 40) -> list[Call]:
    source = f"{header}\n\ndef f(x: {hint}) -> None:\n    pass\n"
    result = generate_inputs(source, "f", max_examples=max_examples)
    assert result.skipped is None, result.skipped
    assert result.calls
    return result.calls


def _values(hint: str, header: str = "", max_examples: int = 40) -> list[Any]:
    """The generated values of the single parameter ``x: hint``."""
    values = []
    for args, kwargs in _generate(hint, header, max_examples):
        assert kwargs == {}
        assert len(args) == 1
        values.append(args[0])
    return values


def _is_int(value: object) -> bool:
    return type(value) is int and -(10**6) <= value <= 10**6


def _is_float(value: object) -> bool:
    return type(value) is float and math.isfinite(value) and abs(value) <= 1e9


def _is_str(value: object) -> bool:
    return type(value) is str and len(value) <= 20


def _is_bytes(value: object) -> bool:
    return type(value) is bytes and len(value) <= 20


def _is_complex(value: object) -> bool:
    return type(value) is complex and math.isfinite(abs(value)) and abs(value) <= 1e9 * 1.0001


def _list_of(check: Callable[[object], bool]) -> Callable[[object], bool]:
    def is_list(value: object) -> bool:
        return type(value) is list and len(value) <= 10 and all(check(v) for v in value)

    return is_list


@pytest.mark.parametrize(
    ("hint", "check"),
    [
        ("int", _is_int),
        ("float", _is_float),
        ("str", _is_str),
        ("bytes", _is_bytes),
        ("bool", lambda v: type(v) is bool),
        ("None", lambda v: v is None),
        ("complex", _is_complex),
        ("list[int]", _list_of(_is_int)),
        ("list", _list_of(_is_int)),
        ("list[list[str]]", _list_of(_list_of(_is_str))),
    ],
)
def test_scalar_and_list_hints(hint: str, check: Callable[[object], bool]) -> None:
    values = _values(hint)
    assert all(check(v) for v in values), values


def test_list_of_int_includes_the_empty_list_and_many_distinct_calls() -> None:
    values = _values("list[int]")
    assert [] in values
    assert len(values) == 40
    assert len({repr(v) for v in values}) == len(values)


def test_dict_of_str_to_float() -> None:
    values = _values("dict[str, float]")
    assert all(type(v) is dict and len(v) <= 10 for v in values)
    assert all(_is_str(k) and _is_float(x) for v in values for k, x in v.items())
    assert {} in values
    assert any(v for v in values)


def test_bare_dict_and_mapping() -> None:
    for hint, header in [
        ("dict", ""),
        ("Mapping[int, int]", "from typing import Mapping"),
        ("MutableMapping[int, int]", "from collections.abc import MutableMapping"),
        ("Dict[int, int]", "from typing import Dict"),
    ]:
        values = _values(hint, header, max_examples=10)
        assert all(type(v) is dict for v in values)
        assert all(_is_int(k) and _is_int(x) for v in values for k, x in v.items())


def test_variadic_tuple() -> None:
    values = _values("tuple[int, ...]")
    assert all(type(v) is tuple and len(v) <= 10 for v in values)
    assert all(_is_int(x) for v in values for x in v)
    assert () in values


def test_fixed_tuple() -> None:
    values = _values("Tuple[int, str]", "from typing import Tuple")
    assert all(type(v) is tuple and len(v) == 2 for v in values)
    assert all(_is_int(v[0]) and _is_str(v[1]) for v in values)
    assert _values("tuple[()]", max_examples=5) == [()]


def test_sets_and_frozensets() -> None:
    assert all(type(v) is set and all(_is_int(x) for x in v) for v in _values("set[int]"))
    values = _values("frozenset[tuple[int, str]]")
    assert all(type(v) is frozenset for v in values)
    assert all(_is_int(a) and _is_str(b) for v in values for a, b in v)
    values = _values("AbstractSet[str]", "from typing import AbstractSet")
    assert all(type(v) is set and all(_is_str(x) for x in v) for v in values)


def test_sequence_like_hints_give_lists() -> None:
    for name in ["Sequence", "Iterable", "Collection", "MutableSequence"]:
        values = _values(f"{name}[str]", f"from collections.abc import {name}", max_examples=10)
        assert all(_list_of(_is_str)(v) for v in values)


def test_optional_yields_none_and_ints() -> None:
    values = _values("Optional[int]", "from typing import Optional")
    assert None in values
    assert any(_is_int(v) for v in values)
    assert all(v is None or _is_int(v) for v in values)


@pytest.mark.parametrize(
    ("hint", "header"),
    [("int | str", ""), ("Union[int, str]", "from typing import Union")],
)
def test_union_yields_both_members(hint: str, header: str) -> None:
    values = _values(hint, header)
    assert all(_is_int(v) or _is_str(v) for v in values)
    assert any(_is_int(v) for v in values)
    assert any(_is_str(v) for v in values)


def test_literal() -> None:
    values = _values('Literal["a", "b"]', "from typing import Literal")
    assert set(values) == {"a", "b"}
    values = _values("t.Literal[-1, None, b'x']", "import typing as t")
    assert set(values) <= {-1, None, b"x"}


@pytest.mark.parametrize(
    ("hint", "header"),
    [
        ('"list[int]"', ""),
        ("list[int]", "from __future__ import annotations"),
        ('list["int"]', ""),
        ("'List[int]'", "from typing import List"),
        ("List[int]", "from typing import List"),
        ("typing.List[int]", "import typing"),
        ("t.List[int]", "import typing as t"),
        ("collections.abc.Sequence[int]", "import collections.abc"),
        ("abc.Sequence[int]", "from collections import abc"),
        ("L[int]", "from typing import List as L"),
        ("Vector", "Vector = list[int]"),
        ("Vector", "from typing import TypeAlias\nVector: TypeAlias = 'list[int]'"),
        ("Annotated[list[int], 'ids']", "from typing import Annotated"),
    ],
)
def test_spellings_of_a_list_of_ints(hint: str, header: str) -> None:
    values = _values(hint, header, max_examples=10)
    assert all(_list_of(_is_int)(v) for v in values)


def test_new_type_gives_the_underlying_values() -> None:
    values = _values("UserId", "from typing import NewType\nUserId = NewType('UserId', int)")
    assert all(_is_int(v) for v in values)


TYPEVARS = """
from typing import Hashable, Iterable, TypeVar
import typing as t
T = TypeVar("T")
H = t.TypeVar("H", bound=Hashable)
N = TypeVar("N", int, float)
"""


def _calls(source: str, qualname: str = "f", max_examples: int = 40, seed: int = 0) -> list[Call]:
    result = generate_inputs(source, qualname, max_examples=max_examples, seed=seed)
    assert result.skipped is None, result.skipped
    assert result.calls
    return result.calls


def test_typevar_is_bound_to_one_type_per_call() -> None:
    source = TYPEVARS + "def dedupe(items: Iterable[T]) -> list[T]:\n    return []\n"
    kinds: set[type] = set()
    for args, kwargs in _calls(source, "dedupe"):
        assert kwargs == {}
        (items,) = args
        assert _list_of(_is_int)(items) or _list_of(_is_str)(items), items
        kinds.update(type(item) for item in items)
    assert kinds == {int, str}


def test_typevar_is_bound_consistently_across_parameters() -> None:
    source = TYPEVARS + "def merge(a: list[T], b: list[T], *, c: T) -> None: ...\n"
    kinds: set[type] = set()
    for args, kwargs in _calls(source, "merge", max_examples=60):
        kind = type(kwargs["c"])
        assert kind in (int, str)
        assert all(type(item) is kind for items in args for item in items), (args, kwargs)
        kinds.add(kind)
    assert kinds == {int, str}


def test_hashable_bound_and_two_typevars() -> None:
    source = TYPEVARS + "def f(x: H, y: dict[H, T]) -> None: ...\n"
    pairs: set[tuple[type, type]] = set()
    for (x, y), _ in _calls(source, max_examples=80):
        assert all(type(key) is type(x) for key in y)
        values = {type(value) for value in y.values()}
        assert len(values) <= 1
        pairs.update((type(x), value) for value in values)
    assert pairs == {(int, int), (int, str), (str, int), (str, str)}


def test_constrained_typevar_uses_only_its_constraints() -> None:
    source = TYPEVARS + "def f(x: N, y: list[N]) -> None: ...\n"
    kinds: set[type] = set()
    for (x, y), _ in _calls(source):
        assert _is_int(x) or _is_float(x)
        assert all(type(item) is type(x) for item in y)
        kinds.add(type(x))
    assert kinds == {int, float}


def test_constrained_typevar_skips_unsupported_constraints() -> None:
    header = "from typing import TypeVar\nclass Foo: ...\nS = TypeVar('S', Foo, 'bytes')"
    assert all(_is_bytes(v) for v in _values("S", header))


def test_bound_typevar_uses_its_bound() -> None:
    header = "import typing\nV = typing.TypeVar('V', bound='list[int]', covariant=True)"
    assert all(_list_of(_is_int)(v) for v in _values("V", header))
    header = "from typing import TypeVar\nK = TypeVar('K', bound='Hashable')"
    assert {type(v) for v in _values("K", header)} == {int, str}


def test_typevar_through_an_alias() -> None:
    header = "from typing import TypeVar\nT = TypeVar('T')\nPair = tuple[T, T]"
    values = _values("Pair", header)
    assert all(type(a) is type(b) for a, b in values)
    assert {type(a) for a, _ in values} == {int, str}


def test_hashable_hint() -> None:
    values = _values("Hashable", "from collections.abc import Hashable")
    assert all(_is_int(v) or _is_str(v) for v in values)
    assert {type(v) for v in values} == {int, str}


def test_typevars_are_deterministic_for_a_seed() -> None:
    source = TYPEVARS + "def f(a: list[T], b: N) -> None: ...\n"
    first = _calls(source, max_examples=30, seed=3)
    assert repr(first) == repr(_calls(source, max_examples=30, seed=3))
    assert repr(first) != repr(_calls(source, max_examples=30, seed=4))


@pytest.mark.skipif(sys.version_info < (3, 12), reason="PEP 695 syntax needs Python 3.12")
def test_pep_695_type_parameters() -> None:
    source = TYPEVARS + "def f[N, C: (int, bytes), B: float](a: list[N], b: N, c: C, d: B): ...\n"
    for (a, b, c, d), _ in _calls(source):
        assert type(b) in (int, str)
        assert all(type(item) is type(b) for item in a)
        assert _is_int(c) or _is_bytes(c)
        assert _is_float(d)
    source = "def f[*Ts](x: Ts): ...\n"
    assert generate_inputs(source, "f").skipped == "'Ts' is not a supported type hint"


def test_parameter_kinds() -> None:
    source = (
        "def f(a: int, /, b: str, c: float = 1.0, *rest: int, d: bool, e: bytes = b'',"
        " **more: int) -> None:\n    pass\n"
    )
    result = generate_inputs(source, "f", max_examples=20)
    assert result.skipped is None
    for args, kwargs in result.calls:
        assert len(args) == 2
        assert _is_int(args[0])
        assert _is_str(args[1])
        assert set(kwargs) == {"d"}
        assert type(kwargs["d"]) is bool


def test_defaults_need_no_hint() -> None:
    result = generate_inputs("def f(x: int, y=[], *, z=None, **kw):\n    pass\n", "f")
    assert result.skipped is None
    assert all(len(args) == 1 and kwargs == {} for args, kwargs in result.calls)


def test_no_parameters_gives_one_call() -> None:
    assert generate_inputs("def f():\n    return 1\n", "f").calls == [((), {})]


def test_staticmethod_is_supported() -> None:
    source = (
        "class K:\n"
        "    class L:\n"
        "        @staticmethod\n"
        "        def m(x: str) -> str:\n"
        "            return x\n"
    )
    result = generate_inputs(source, "K.L.m", max_examples=10)
    assert result == Generated("K.L.m", calls=result.calls)
    assert all(_is_str(args[0]) for args, _ in result.calls)


@pytest.mark.parametrize(
    ("source", "qualname", "reason"),
    [
        ("class K:\n    def m(self, x: int): ...\n", "K.m", "a method needs an instance"),
        (
            "class K:\n    @classmethod\n    def m(cls, x: int): ...\n",
            "K.m",
            "a method needs an instance",
        ),
        ("class Foo: ...\ndef f(x: Foo): ...\n", "f", "'Foo' is not a supported type hint"),
        ("def f(x: list[Foo]): ...\n", "f", "'Foo' is not a supported type hint"),
        ("from typing import Any\ndef f(x: Any): ...\n", "f", "'Any' is not a supported type hint"),
        (
            "from typing import Callable\ndef f(x: Callable[[int], int]): ...\n",
            "f",
            "'Callable' is not a supported type hint",
        ),
        (
            "import typing\nclass Foo: ...\nB = typing.TypeVar('B', bound=Foo)\ndef f(x: B): ...\n",
            "f",
            "'Foo', the bound of TypeVar 'B', is not a supported type hint",
        ),
        (
            "from typing import TypeVar\nT = TypeVar('T', 'Foo', object)\ndef f(x: T): ...\n",
            "f",
            "no constraint of TypeVar 'T' is a supported type hint",
        ),
        (
            "from typing import TypeVar\nT = TypeVar('T', bound=list[int])\n"
            "def f(x: set[T]): ...\n",
            "f",
            "'set[T]' is not a supported type hint",
        ),
        ("from typing import TypeVar\ndef f(x: TypeVar): ...\n", "f", "'TypeVar' is not"),
        ("from mylib import List\ndef f(x: List[int]): ...\n", "f", "'List' is not"),
        ("import numpy as t\ndef f(x: t.List[int]): ...\n", "f", "'t.List' is not"),
        ("def f(x: dict[list[int], int]): ...\n", "f", "'dict[list[int], int]' is not"),
        ("def f(x: int, y): ...\n", "f", "parameter 'y' has no type hint"),
        ("def f(*, y): ...\n", "f", "parameter 'y' has no type hint"),
        ("def outer():\n    def inner(x: int): ...\n", "outer.inner", "nested functions"),
        ("def f(x: int): ...\n", "g", "not found"),
        ("class K: ...\n", "K.m", "not found"),
        ("class K: ...\n", "K", "is a class"),
        ("def f(x: int:\n", "f", "does not parse"),
    ],
)
def test_skipped_with_a_reason(source: str, qualname: str, reason: str) -> None:
    result = generate_inputs(source, qualname)
    assert result.calls == []
    assert result.skipped is not None
    assert reason in result.skipped, result.skipped


def test_deterministic_for_a_seed() -> None:
    source = "def f(x: list[int], *, y: dict[str, float]):\n    pass\n"
    first = generate_inputs(source, "f", max_examples=30, seed=7)
    again = generate_inputs(source, "f", max_examples=30, seed=7)
    other = generate_inputs(source, "f", max_examples=30, seed=8)
    assert repr(first.calls) == repr(again.calls)
    assert repr(first.calls) != repr(other.calls)


def test_max_examples_is_respected() -> None:
    assert len(_generate("str", max_examples=5)) == 5
    assert len(_generate("bool", max_examples=50)) == 2  # distinct calls only
    assert generate_inputs("def f(x: int): ...\n", "f", max_examples=0).calls == []


def test_no_time_returns_quickly() -> None:
    started = time.monotonic()
    result = generate_inputs("def f(x: list[str]): ...\n", "f", max_examples=1000, seconds=0.0)
    assert time.monotonic() - started < 2
    assert result.skipped is None
    assert len(result.calls) <= 1


def test_no_output(capsys: pytest.CaptureFixture[str]) -> None:
    generate_inputs("def f(x: int): ...\n", "f", max_examples=3, seconds=0.0)
    generate_inputs("def f(x: int): ...\n", "f", max_examples=3)
    assert capsys.readouterr() == ("", "")
