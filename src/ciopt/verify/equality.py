"""Value equality: are two normalised values (``inject/ciopt_values.py``) the same?

Pure functions over JSON trees. The rules:

- types must match: ``1``, ``1.0`` and ``True`` differ, and so do a list and a tuple;
- floats are equal when bit-for-bit equal (``0.0 == -0.0``) or both NaN; an opt-in
  :class:`Tolerance` allows ``math.isclose``-style differences;
- sequences and iterators compare item by item, in order; sets as sets; dicts by key, in any
  order (as ``==`` does), except ``OrderedDict``, whose order counts;
- objects and dataclasses by their attributes (``__dict__`` and ``__slots__``), exceptions by
  type and args, C types by what pickle would store;
- a value that could not be represented (``opaque``) is never equal to anything: comparing it
  raises :class:`Incomparable`, and the caller counts it as skipped, never as a pass.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

__all__ = ["EXACT", "Incomparable", "Tolerance", "difference", "show"]


class Incomparable(Exception):
    """One of the values could not be represented, so equality cannot be shown."""


@dataclass(frozen=True)
class Tolerance:
    rel: float = 0.0
    abs: float = 0.0

    def close(self, a: float, b: float) -> bool:
        if a == b or (math.isnan(a) and math.isnan(b)):
            return True
        if not (self.rel or self.abs) or math.isinf(a) or math.isinf(b):
            return False
        return math.isclose(a, b, rel_tol=self.rel, abs_tol=self.abs)


EXACT = Tolerance()


def difference(base: Any, head: Any, tol: Tolerance = EXACT, path: str = "") -> str | None:
    """Where ``head`` first differs from ``base``, as ``path: base …, candidate …``; else None."""
    where = path or "value"
    if _opaque(base) or _opaque(head):
        raise Incomparable(f"{where}: {_why(base if _opaque(base) else head)}")
    if type(base) is not type(head):
        return f"{where}: {show(base)} became {show(head)}"
    if isinstance(base, float):
        return None if tol.close(base, head) else f"{where}: {base!r} became {head!r}"
    if isinstance(base, list):  # the parts of a ``reduce`` node: item by item, like a sequence
        return _items(base, head, tol, path)
    if not isinstance(base, dict):
        return None if base == head else f"{where}: {show(base)} became {show(head)}"
    tag = base.get("$")
    if tag != head.get("$") or base.get("type") != head.get("type"):
        return f"{where}: {show(base)} became {show(head)}"
    return _tagged(tag, base, head, tol, path)


def _tagged(
    tag: str, base: dict[str, Any], head: dict[str, Any], tol: Tolerance, path: str
) -> str | None:
    if tag == "iter" and (base.get("items") is None or head.get("items") is None):
        found = None  # a recorded iterator, not drained: its items, its end, are unknown
    elif tag in ("seq", "set", "iter"):
        found = _items(base.get("items"), head.get("items"), tol, path) or _fields(
            base, head, tol, path, only=("truncated", "raised")
        )
    elif tag == "dict":
        found = _dicts(base, head, tol, path)
    elif tag == "exc":
        found = _items(base["args"], head["args"], tol, f"{path}<args>")
    else:  # prim, enum, ref, bytes, complex, int, reduce, digest, cycle: their own fields
        found = _fields(base, head, tol, path)
    return found or _attrs(base.get("attrs") or {}, head.get("attrs") or {}, tol, path)


def _fields(
    base: dict[str, Any],
    head: dict[str, Any],
    tol: Tolerance,
    path: str,
    only: tuple[str, ...] = (),
) -> str | None:
    skip = ("$", "type", "attrs", "items")
    names = sorted(
        k for k in base.keys() | head.keys() if k not in skip and (k in only or not only)
    )
    for name in names:
        if name not in base or name not in head:  # e.g. an iterator that raised on one side only
            return f"{path}<{name}>: {show(base.get(name))} became {show(head.get(name))}"
        found = difference(base[name], head[name], tol, f"{path}<{name}>")
        if found:
            return found
    return None


def _items(base: Any, head: Any, tol: Tolerance, path: str) -> str | None:
    if base is None or head is None:  # a recorded iterator was not drained: unknown items
        return None
    for i, (a, b) in enumerate(zip(base, head, strict=False)):
        found = difference(a, b, tol, f"{path}[{i}]")
        if found:
            return found
    if len(base) != len(head):
        return f"{path or 'value'}: {len(base)} items became {len(head)}"
    return None


def _dicts(base: dict[str, Any], head: dict[str, Any], tol: Tolerance, path: str) -> str | None:
    for key_node, _ in [*base["items"], *head["items"]]:
        found_opaque = _find_opaque(key_node)
        if found_opaque is not None:  # keys are matched by their text: never by an opaque one
            raise Incomparable(f"{path or 'value'}: a key's {_why(found_opaque)}")
    # matched by their JSON text, so that the key "1" is not the key 1; shown by _key
    ours = {json.dumps(k, sort_keys=True): (k, v) for k, v in base["items"]}
    theirs = {json.dumps(k, sort_keys=True): (k, v) for k, v in head["items"]}
    if len(ours) < len(base["items"]) or len(theirs) < len(head["items"]):
        raise Incomparable(f"{path or 'value'}: distinct keys normalised alike cannot be matched")
    if base.get("ordered") and list(ours) != list(theirs):
        keys_a = [_key(k) for k, _ in ours.values()]
        keys_b = [_key(k) for k, _ in theirs.values()]
        return f"{path or 'value'}: key order {keys_a[:5]} became {keys_b[:5]}"
    for text, (key, value) in ours.items():
        if text not in theirs:
            return f"{path}[{_key(key)}]: missing from the candidate's result"
        found = difference(value, theirs[text][1], tol, f"{path}[{_key(key)}]")
        if found:
            return found
    extra = [key for text, (key, _) in theirs.items() if text not in ours]
    return f"{path}[{_key(extra[0])}]: only in the candidate's result" if extra else None


def _attrs(base: dict[str, Any], head: dict[str, Any], tol: Tolerance, path: str) -> str | None:
    for name in sorted(base.keys() | head.keys()):
        if name not in head or name not in base:
            side = "candidate" if name in head else "baseline"
            return f"{path}.{name}: only on the {side}'s object"
        found = difference(base[name], head[name], tol, f"{path}.{name}")
        if found:
            return found
    return None


def _key(node: Any) -> str:
    """A dict key as shown in a path."""
    return node if isinstance(node, str) else json.dumps(node, sort_keys=True)


def _find_opaque(node: Any) -> dict[str, Any] | None:
    """The first ``opaque`` node anywhere in ``node``, if any."""
    if _opaque(node):
        return dict(node)
    inner = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    return next((found for x in inner if (found := _find_opaque(x)) is not None), None)


def _opaque(node: Any) -> bool:
    return isinstance(node, dict) and node.get("$") == "opaque"


def _why(node: dict[str, Any]) -> str:
    return f"{node.get('type')} cannot be compared ({node.get('why', 'not representable')})"


def show(node: Any) -> str:
    if isinstance(node, dict):
        tag, name = node.get("$"), str(node.get("type", "")).removeprefix("builtins.")
        if tag == "exc":
            args = ", ".join(show(a) for a in node.get("args", [])[:3])
            return f"{name}({args})"
        if tag == "ref":  # a function, class or module: by its name, not by its type's
            return str(node.get("name"))
        if tag == "cycle":
            return f"<{name} (cycle)>"
        if tag in ("seq", "set", "iter") and isinstance(node.get("items"), list):
            items = node["items"]
            inner = ", ".join(show(x) for x in items[:5]) + (", …" if len(items) > 5 else "")
            return f"{name}[{inner}]"
        return f"<{name}>"
    text = repr(node)
    return text if len(text) <= 60 else text[:57] + "…"
