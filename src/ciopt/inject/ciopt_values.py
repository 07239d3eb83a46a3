"""ciopt's value normaliser, shared by the recorder and the replayer. Stdlib only; never installed.

A value the client's code returned (or an argument it mutated) is turned into a tree of JSON
values that ciopt compares in its own process without importing the client's classes:

- ``None``, ``bool``, ``int`` (small), ``float`` (NaN and infinities included) and ``str`` are
  kept as they are; JSON keeps ``1`` and ``1.0`` and ``True`` apart.
- Everything else is a tagged object ``{"$": tag, "type": "module.QualName", ...}``: ``seq``
  (list, tuple, named tuples, deques, dict views), ``dict`` (items as ``[key, value]`` pairs),
  ``set`` (items in a canonical order), ``iter`` (generators and iterators, materialised),
  ``obj`` (attributes from ``__dict__`` and ``__slots__``; dataclasses too), ``exc`` (type and
  args), ``enum``, ``bytes``, ``complex``, ``int`` (too big for JSON), ``ref`` (functions,
  classes, modules: by name), ``reduce`` (what pickle would store, for C types such as
  ``Decimal`` or ``datetime``), ``cycle`` and ``opaque`` (cannot be represented: never equal).
"""

from __future__ import annotations

import collections
import enum
import hashlib
import json
import types
from typing import Any

MAX_ITEMS = 10_000  # items materialised from one iterator
MAX_DEPTH = 200
MAX_JSON = 1_000_000  # bigger values are compared by digest
_PRIMITIVE = (str, float, bool, type(None))
_REFS = (
    type,
    types.FunctionType,
    types.BuiltinFunctionType,
    types.MethodType,
    types.ModuleType,
)
_VIEWS: tuple[type, ...] = (type({}.keys()), type({}.values()), type({}.items()))


def type_name(obj: Any) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


class TooBig(Exception):
    """``obj`` holds more values than the ``limit`` given to ``normalize``."""


def normalize(obj: Any, *, consume: bool = True, limit: int | None = None) -> Any:
    """``obj`` as a JSON-able tree; iterators are drained only when ``consume``. With ``limit``,
    raise ``TooBig`` past that many values looked at (the recorder's bound on its own cost)."""
    try:
        tree = _Walker(consume, limit).walk(obj, 0)
    except RecursionError:
        return {"$": "opaque", "type": type_name(obj), "why": "too deeply nested"}
    text = dumps(tree)
    if len(text) > MAX_JSON:
        digest = hashlib.sha256(text.encode()).hexdigest()
        return {"$": "digest", "type": type_name(obj), "sha256": digest, "size": len(text)}
    return tree


def dumps(tree: Any) -> str:
    return json.dumps(tree, sort_keys=True, separators=(",", ":"))


class _Walker:
    def __init__(self, consume: bool, limit: int | None = None) -> None:
        self.consume = consume
        self.path: set[int] = set()  # ids of the containers being walked: a repeat is a cycle
        self.left = limit

    def walk(self, obj: Any, depth: int) -> Any:
        if self.left is not None:
            self.left -= 1
            if self.left < 0:
                raise TooBig
        cls = type(obj)
        if cls in _PRIMITIVE:
            return obj
        if cls is int:
            return (
                obj if abs(obj) < 2**53 else {"$": "int", "type": "builtins.int", "hex": hex(obj)}
            )
        if depth > MAX_DEPTH:
            return {"$": "opaque", "type": type_name(obj), "why": "too deeply nested"}
        if id(obj) in self.path:
            return {"$": "cycle", "type": type_name(obj)}
        self.path.add(id(obj))
        try:
            return self._tagged(obj, depth + 1)
        finally:
            self.path.discard(id(obj))

    def _tagged(self, obj: Any, depth: int) -> Any:
        name = type_name(obj)
        node: dict[str, Any] = {"type": name}
        if isinstance(obj, enum.Enum):
            return {"$": "enum", **node, "name": obj.name}
        if isinstance(obj, BaseException):
            return {"$": "exc", **node, "args": [self.walk(a, depth) for a in obj.args]}
        if isinstance(obj, _REFS):
            ref = getattr(obj, "__qualname__", getattr(obj, "__name__", "?"))
            owner = getattr(obj, "__module__", None)
            return {"$": "ref", **node, "name": f"{owner}.{ref}" if owner else ref}
        if isinstance(obj, (bytes, bytearray, memoryview)):
            node.update({"$": "bytes", "hex": bytes(obj).hex()})
        elif isinstance(obj, complex):
            node.update({"$": "complex", "re": obj.real, "im": obj.imag})
        elif isinstance(obj, (int, float, str)):  # subclasses of the primitives
            base = int if isinstance(obj, int) else float if isinstance(obj, float) else str
            node.update({"$": "prim", "value": self.walk(base(obj), depth)})
        elif isinstance(obj, dict):
            items = [[self.walk(k, depth), self.walk(v, depth)] for k, v in obj.items()]
            ordered = isinstance(obj, collections.OrderedDict)
            node.update({"$": "dict", "items": items, "ordered": ordered})
        elif isinstance(obj, (list, tuple, collections.deque, *_VIEWS)):
            node.update({"$": "seq", "items": self._each(obj, depth)})
        elif isinstance(obj, (set, frozenset)):
            items = sorted((self.walk(x, depth) for x in obj), key=dumps)
            node.update({"$": "set", "items": items})
        elif _is_iterator(obj):
            node.update(self._drain(obj, depth))
        else:
            return self._object(obj, node, depth)
        attrs = self._attrs(obj, depth)
        if attrs:
            node["attrs"] = attrs
        return node

    def _each(self, items: Any, depth: int) -> list[Any]:
        return [self.walk(x, depth) for x in items]

    def _drain(self, it: Any, depth: int) -> dict[str, Any]:
        if not self.consume:
            return {"$": "iter", "items": None}
        items: list[Any] = []
        node: dict[str, Any] = {"$": "iter", "items": items}
        try:
            for item in it:
                if len(items) == MAX_ITEMS:
                    node["truncated"] = True
                    break
                items.append(self.walk(item, depth))
        except Exception as exc:  # an iterator that raises: the exception is part of its value
            node["raised"] = self.walk(exc, depth)
        return node

    def _attrs(self, obj: Any, depth: int) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        for slot in _slots(type(obj)):
            if hasattr(obj, slot):  # a slot never assigned is left out: reading it would raise
                attrs[slot] = self.walk(getattr(obj, slot), depth)
        state = getattr(obj, "__dict__", None)
        if isinstance(state, dict):
            attrs.update({str(k): self.walk(v, depth) for k, v in state.items()})
        return attrs

    def _object(self, obj: Any, node: dict[str, Any], depth: int) -> Any:
        if hasattr(obj, "__dict__") or _slots(type(obj)):
            return {"$": "obj", **node, "attrs": self._attrs(obj, depth)}
        try:
            reduced = obj.__reduce_ex__(4)
        except Exception as exc:
            return {"$": "opaque", **node, "why": f"{type(exc).__name__}: {exc}"}
        if isinstance(reduced, str):  # a global, pickled by name
            return {"$": "ref", **node, "name": reduced}
        parts = [self.walk(part, depth) for part in reduced[1:3]]
        return {"$": "reduce", **node, "value": parts}


def _is_iterator(obj: Any) -> bool:
    if isinstance(obj, types.GeneratorType):
        return True
    try:
        return hasattr(type(obj), "__next__") and iter(obj) is obj
    except Exception:
        return False


def _slots(cls: type) -> list[str]:
    names: list[str] = []
    for klass in cls.__mro__:
        slots = klass.__dict__.get("__slots__", ())
        for slot in (slots,) if isinstance(slots, str) else slots:
            name = _mangle(klass.__name__, slot)
            if slot not in ("__dict__", "__weakref__") and name not in names:
                names.append(name)
    return names


def _mangle(owner: str, name: str) -> str:
    """The attribute a slot is stored under: ``__x`` in ``class C`` is ``_C__x``."""
    owner = owner.lstrip("_")
    if owner and name.startswith("__") and not name.endswith("__"):
        return f"_{owner}{name}"
    return name
