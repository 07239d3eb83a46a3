"""ciopt's shapes of call arguments: their types and sizes, cheaply; and how a call is shown
(``shown``). Stdlib only; never installed.

The recorder keeps one shape per call, so ciopt can generate inputs of the types the code is
really called with when its source has no type hints. A shape is JSON-able:

- ``"int"``, ``"float"``, ``"str"``, ``"bytes"``, ``"bool"``, ``"None"``, ``"complex"``;
- ``{"type": "list" | "set" | "frozenset", "len": n, "items": [shape, ...]}``;
- ``{"type": "tuple", "len": n, "fields": [shape, ...]}``: a short tuple, one shape a position;
  a longer one has ``"items"`` as a list has;
- ``{"type": "dict", "len": n, "keys": [shape, ...], "values": [shape, ...]}``;
- ``{"type": "object", "class": "module.QualName"}``: any other class, subclasses of builtins
  included (nothing of the client's code runs to describe it);
- ``"..."``: nested too deep, or past the budget of one call.

Only exact builtin types are looked into. ``items``, ``keys`` and ``values`` are the distinct
shapes (by structure, sizes aside) of at most ``SAMPLE`` items spread over the container, so a
5,000-item list costs as little as an 8-item one.
"""

from __future__ import annotations

import itertools
import json
import reprlib
from typing import Any

SAMPLE = 8  # items looked at in one container
DISTINCT = 4  # item shapes kept for one container
FIELDS = 8  # tuples up to this length get one shape a position
MAX_DEPTH = 4
MAX_NODES = 1000  # values looked at for one call; past it, containers are "..."

_SCALARS: dict[type, str] = {
    int: "int",
    float: "float",
    str: "str",
    bytes: "bytes",
    bool: "bool",
    type(None): "None",
    complex: "complex",
}


_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 80
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 8


def shown(args: Any, kwargs: Any) -> str:
    """A call's arguments as a short text, ``(x, y, key=z)``, long values cut short."""
    try:
        parts = [_repr.repr(a) for a in args] + [f"{k}={_repr.repr(v)}" for k, v in kwargs.items()]
        return "(" + ", ".join(parts) + ")"
    except Exception:
        return "(...)"


def describe_call(args: Any, kwargs: Any) -> dict[str, Any] | None:
    """The shape of a call's arguments, ``{"args": [...], "kwargs": {...}}``; None if unreadable."""
    try:
        walker = _Walker()
        return {
            "args": [walker.shape(a, 0) for a in args],
            "kwargs": {str(k): walker.shape(v, 0) for k, v in kwargs.items()},
        }
    except Exception:
        return None


def structure(shape: Any) -> Any:
    """``shape`` without its sizes: what tells two item shapes apart."""
    if not isinstance(shape, dict):
        return shape
    return {k: _each(structure, v) for k, v in shape.items() if k != "len"}


def _each(fn: Any, value: Any) -> Any:
    return [fn(v) for v in value] if isinstance(value, list) else value


class _Walker:
    def __init__(self) -> None:
        self.nodes = 0

    def shape(self, value: Any, depth: int) -> Any:
        self.nodes += 1
        cls = type(value)
        if cls in _SCALARS:
            return _SCALARS[cls]
        if depth >= MAX_DEPTH or self.nodes > MAX_NODES:
            return "..."
        if cls in (list, tuple, set, frozenset, dict):
            return self._container(cls, value, depth + 1)
        return {"type": "object", "class": f"{cls.__module__}.{cls.__qualname__}"}

    def _container(self, cls: type, value: Any, depth: int) -> dict[str, Any]:
        found: dict[str, Any] = {"type": cls.__name__, "len": len(value)}
        if cls is tuple and len(value) <= FIELDS:
            found["fields"] = [self.shape(v, depth) for v in value]
        elif cls in (list, tuple):
            found["items"] = self._items(_spread(value), depth)
        elif cls is dict:
            sample = list(itertools.islice(value.items(), SAMPLE))
            found["keys"] = self._items([k for k, _ in sample], depth)
            found["values"] = self._items([v for _, v in sample], depth)
        else:
            found["items"] = self._items(list(itertools.islice(value, SAMPLE)), depth)
        return found

    def _items(self, sample: list[Any], depth: int) -> list[Any]:
        found: dict[str, Any] = {}
        for item in sample:
            shape = self.shape(item, depth)
            found.setdefault(json.dumps(structure(shape), sort_keys=True), shape)
            if len(found) >= DISTINCT:
                break
        return list(found.values())


def _spread(seq: Any) -> list[Any]:
    """At most ``SAMPLE`` items of a list or tuple, spread from its first to its last."""
    n = len(seq)
    if n <= SAMPLE:
        return list(seq)
    return [seq[(i * (n - 1)) // (SAMPLE - 1)] for i in range(SAMPLE)]
