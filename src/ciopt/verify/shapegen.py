"""Inputs generated from the shapes of recorded calls, for functions without usable type hints.

Each distinct structure among the recorded calls' shapes (``shapes``) gives calls of builtin
values of the same types. First come edge cases, deterministic, one argument varied at a time:
an empty container, one item, duplicates, a large one (bounded so that calls stay fast), and
unusual values of the same type (0 and negative numbers, huge ints inside containers, the empty
string and other unicode, NaN and infinities where floats were seen, nested empty containers).
Then hypothesis draws more of the same structure. Nothing of the client's code is involved: a
shape that holds objects of other classes cannot be built here and is reported back instead.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

from ciopt.verify.generate import COLLECTION_SIZE, draw, scalar_strategy
from ciopt.verify.shapes import CallShape, classes_in, structure_key

__all__ = ["FromShapes", "from_shapes"]

_Call = tuple[tuple[Any, ...], dict[str, Any]]

LARGE_MIN, LARGE_MAX = 128, 1000  # items in the large container: twice the longest seen
MAX_STRUCTURES = 16  # distinct recorded structures imitated
MAX_EDGES = 8  # values per shape
NAN, INF = float("nan"), float("inf")
# Top-level numbers stay small: code may loop over them. Huge ints go inside containers only.
_SCALAR_EDGES: dict[str, list[Any]] = {
    "int": [2, 0, -1, 1000],
    "float": [1.5, 0.0, -0.0, -2.5, 1e300, NAN, INF, -INF],
    "str": ["abc", "", "é中𝔘", " a\tb\n", "\x00", "ab" * 50],
    "bytes": [b"abc", b"", b"\x00\xff"],
    "bool": [True, False],
    "None": [None],
    "complex": [1 + 2j, 0j, complex(-1.5, 0)],
}
_INNER_EDGES: dict[str, list[Any]] = {"int": [2**64, -(2**63)]}
_GAP = object()


@dataclass
class FromShapes:
    """Calls generated from recorded shapes, and which recorded calls could not be imitated."""

    calls: list[_Call] = field(default_factory=list)
    structures: int = 0  # distinct recorded structures the calls imitate
    classes: set[str] = field(default_factory=set)  # classes met that cannot be built here
    unbuilt: list[int] = field(default_factory=list)  # recorded calls whose shape was not built


class _Unbuildable(Exception):
    """A shape holding something ciopt cannot make: an object of a class, or ``...``."""


def from_shapes(
    shapes: Sequence[CallShape | None], *, max_examples: int, seconds: float, seed: int
) -> FromShapes:
    """Up to ``max_examples`` distinct calls imitating ``shapes`` (one a recorded call, None
    where the call has none), deterministic for ``seed``, within ``seconds``."""
    found = FromShapes()
    builders: dict[str, _Builder] = {}
    large = _large(s for s in shapes if s is not None)
    for number, shape in enumerate(shapes):
        if shape is None:
            continue
        key = structure_key(shape)
        if key in builders or len(builders) >= MAX_STRUCTURES:
            continue  # imitated already, or enough structures to share the examples among
        try:
            builders[key] = _Builder(shape, large)
        except _Unbuildable:
            found.unbuilt.append(number)
            found.classes |= classes_in(shape)
    found.structures = len(builders)
    if not builders or max_examples <= 0:
        return found
    edges = _round_robin([b.edge_calls() for b in builders.values()])
    calls = {repr(c): c for c in itertools.islice(edges, max(1, (2 * max_examples) // 3))}
    strategy = st.one_of([b.strategy() for b in builders.values()])
    for call in draw(strategy, max_examples, seconds, seed):
        if len(calls) >= max_examples:
            break
        calls.setdefault(repr(call), call)
    found.calls = list(calls.values())
    return found


def _large(shapes: Any) -> int:
    longest = 0
    for shape in shapes:
        for arg in [*shape.args, *shape.keywords.values()]:
            if isinstance(arg, dict):
                longest = max(longest, int(arg.get("len", 0)))
    return min(LARGE_MAX, max(LARGE_MIN, 2 * longest))


def _round_robin(sources: list[Iterator[Any]]) -> Iterator[Any]:
    for batch in itertools.zip_longest(*sources, fillvalue=_GAP):
        yield from (item for item in batch if item is not _GAP)


class _Builder:
    """Values, and a strategy, of one call structure."""

    def __init__(self, shape: CallShape, large: int) -> None:
        self.large = large
        self.names = list(shape.keywords)
        parts = [*shape.args, *shape.keywords.values()]
        self.edges = [self._edges(p, inner=False) for p in parts]  # raises _Unbuildable
        self.strategies = [self._strategy(p, inner=False) for p in parts]
        self.positional = len(shape.args)

    def _call(self, values: Sequence[Any]) -> _Call:
        n = self.positional
        return tuple(values[:n]), dict(zip(self.names, values[n:], strict=True))

    def edge_calls(self) -> Iterator[_Call]:
        """The typical call, then each argument through its edge values, one at a time."""
        typical = [edges[0] for edges in self.edges]
        yield self._call(typical)
        for depth in range(1, MAX_EDGES):
            for position, edges in enumerate(self.edges):
                if depth < len(edges):
                    yield self._call([*typical[:position], edges[depth], *typical[position + 1 :]])

    def strategy(self) -> st.SearchStrategy[_Call]:
        n = self.positional
        return st.tuples(
            st.tuples(*self.strategies[:n]),
            st.fixed_dictionaries(dict(zip(self.names, self.strategies[n:], strict=True))),
        )

    # -- edge values: the first is the typical one -----------------------------------------

    def _edges(self, shape: Any, *, inner: bool) -> list[Any]:
        if isinstance(shape, str):
            if shape not in _SCALAR_EDGES:
                raise _Unbuildable
            return [*_SCALAR_EDGES[shape], *(_INNER_EDGES.get(shape, []) if inner else [])]
        kind = shape.get("type") if isinstance(shape, dict) else None
        if kind == "tuple" and "fields" in shape:
            fields = [self._edges(f, inner=True) for f in shape["fields"]]
            typical = [f[0] for f in fields]
            found = [tuple(typical)]
            for i, values in enumerate(fields):
                found += [tuple([*typical[:i], v, *typical[i + 1 :]]) for v in values[1:3]]
            return found[:MAX_EDGES]
        if kind == "dict":
            return self._dict_edges(shape)
        if kind in ("list", "tuple", "set", "frozenset"):
            return [_make(kind, v) for v in self._sequences(shape.get("items", []))]
        raise _Unbuildable

    def _item_values(self, shapes: list[Any]) -> list[Any]:
        """Values for a container's items: each item shape's typical value first."""
        each = [self._edges(s, inner=True) for s in shapes]
        merged = itertools.chain(*itertools.zip_longest(*each, fillvalue=_GAP))
        return [v for v in merged if v is not _GAP]

    def _sequences(self, shapes: list[Any]) -> list[list[Any]]:
        """Empty, one, several (every unusual value), duplicates, large, as lists."""
        values = self._item_values(shapes)
        if not values:
            return [[]]
        typical = values[:3]
        first = values[0]
        return [
            typical,
            [],
            [first],
            values,
            [first, *typical, first],
            values[::-1],
            self._many(shapes, values),
        ]

    def _many(self, shapes: list[Any], values: list[Any]) -> list[Any]:
        """``large`` items: distinct where the item type allows, else the values repeated."""
        spread = [(i * 7919) % 1009 - 504 for i in range(self.large)]
        if shapes == ["int"]:
            return spread
        if shapes == ["str"]:
            return [f"w{n}" for n in spread]
        if shapes == ["float"]:
            return [n / 8 for n in spread]
        return list(itertools.islice(itertools.cycle(values), self.large))

    def _dict_edges(self, shape: dict[str, Any]) -> list[Any]:
        keys = self._item_values(shape.get("keys", []))
        values = self._item_values(shape.get("values", [])) or [None]
        if not keys:
            return [{}]

        def paired(ks: list[Any]) -> dict[Any, Any]:
            return {k: values[i % len(values)] for i, k in enumerate(ks)}

        return [
            paired(keys[:3]),
            {},
            paired(keys[:1]),
            paired(keys),
            paired(self._many(shape.get("keys", []), keys)),
        ]

    # -- strategies ----------------------------------------------------------------------------

    def _strategy(self, shape: Any, *, inner: bool) -> st.SearchStrategy[Any]:
        if isinstance(shape, str):
            edges = [*_SCALAR_EDGES[shape], *(_INNER_EDGES.get(shape, []) if inner else [])]
            base = scalar_strategy(shape)
            if shape == "int" and not inner:  # an argument may be a size: kept small
                base = st.integers(-LARGE_MAX, LARGE_MAX)
            return (
                st.sampled_from(edges) if base is None else st.one_of(base, st.sampled_from(edges))
            )
        kind = shape["type"]
        if kind == "tuple" and "fields" in shape:
            return st.tuples(*(self._strategy(f, inner=True) for f in shape["fields"]))
        if kind == "dict":
            keys, values = shape.get("keys", []), shape.get("values", [])
            if not keys:
                return st.just({})
            return st.dictionaries(
                self._one_of(keys), self._one_of(values), max_size=COLLECTION_SIZE
            )
        items = shape.get("items", [])
        if not items:
            return st.just(_make(kind, []))
        listed = st.lists(self._one_of(items), max_size=COLLECTION_SIZE)
        return listed.map(lambda xs: _make(kind, xs))

    def _one_of(self, shapes: list[Any]) -> st.SearchStrategy[Any]:
        return st.one_of([self._strategy(s, inner=True) for s in shapes]) if shapes else st.none()


def _make(kind: str, values: list[Any]) -> Any:
    if kind == "list":
        return list(values)
    if kind == "tuple":
        return tuple(values)
    return set(values) if kind == "set" else frozenset(values)
