"""Input shapes: what kinds of input a function was shown, from ``inject/ciopt_shapes.py``.

The shape of a call is the type structure of its arguments plus, for each argument that is a
list, set, frozenset, dict or long tuple, its size class: empty, one or several items. So
``list[int]`` of length 0, 1 and 5 are three shapes; ``(3, "a")`` is ``tuple[int, str]`` of any
size. The evidence floor counts the distinct shapes among the calls compared equal.

``read_shape`` checks a shape read back from a recording (a pydantic model at that boundary);
``call_key`` names a call's shape, e.g. ``(list[int]:several, n=int)``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ciopt.inject.ciopt_shapes import describe_call, structure
from ciopt.verdict import TargetEvidence

__all__ = [
    "CallShape",
    "call_key",
    "classes_in",
    "describe_call",
    "possible_keys",
    "read_shape",
    "size_class",
    "structure_key",
    "structure_text",
    "tally",
    "too_few",
    "varies",
]

SIZED = frozenset({"list", "set", "frozenset", "dict"})
_CAP = 1000  # "more shapes than any floor asks for"


class CallShape(BaseModel):
    """The shape of one call's arguments, as the recorder (or ciopt, for generated calls) wrote
    it: each argument's shape is a string or a tagged dict (see ``inject/ciopt_shapes.py``)."""

    model_config = ConfigDict(frozen=True, populate_by_name=True)

    args: list[Any] = []
    keywords: dict[str, Any] = Field(default_factory=dict, alias="kwargs")


def read_shape(raw: object) -> CallShape | None:
    """The call's shape, or None when it has none (or not one this version understands)."""
    if raw is None:
        return None
    try:
        return CallShape.model_validate(raw)
    except ValidationError:
        return None


def structure_key(shape: CallShape) -> str:
    """What tells two calls' structures apart, sizes aside."""
    return json.dumps(structure(shape.model_dump()), sort_keys=True)


def size_class(length: int) -> str:
    return "empty" if length == 0 else "one" if length == 1 else "several"


def structure_text(shape: Any) -> str:
    """A shape's type structure as a hint: ``list[int | str]``, ``tuple[int, str]``, ``pkg.C``."""
    if isinstance(shape, str):
        return shape
    if not isinstance(shape, dict):
        return "?"
    kind = str(shape.get("type", "?"))
    if kind == "object":
        return str(shape.get("class", "?"))
    if kind == "tuple" and "fields" in shape:
        inside = ", ".join(structure_text(f) for f in shape["fields"]) or "()"
    elif kind == "dict":
        keys, values = _union(shape.get("keys", [])), _union(shape.get("values", []))
        inside = f"{keys}, {values}" if keys else ""
    else:
        items = _union(shape.get("items", []))
        inside = f"{items}, ..." if items and kind == "tuple" else items
    return f"{kind}[{inside}]" if inside else kind


def _union(shapes: list[Any]) -> str:
    return " | ".join(dict.fromkeys(structure_text(s) for s in shapes))


def _sized(shape: Any) -> bool:
    return isinstance(shape, dict) and (
        shape.get("type") in SIZED or (shape.get("type") == "tuple" and "items" in shape)
    )


def _arg_key(shape: Any) -> str:
    text = structure_text(shape)
    if _sized(shape):
        return f"{text}:{size_class(int(shape.get('len', 0)))}"
    return text


def varies(shape: CallShape | None) -> bool:
    """Whether a call has an argument whose size can vary (a list, set, dict, long tuple)."""
    return shape is not None and any(_sized(a) for a in [*shape.args, *shape.keywords.values()])


def call_key(shape: CallShape) -> str:
    """The name of a call's shape: its arguments' structures, with size classes."""
    parts = [_arg_key(a) for a in shape.args]
    parts += [f"{k}={_arg_key(v)}" for k, v in sorted(shape.keywords.items())]
    return "(" + ", ".join(parts) + ")"


def possible_keys(shapes: Iterable[CallShape]) -> int | None:
    """How many shapes the arguments' types allow at most (3 size classes for each sized
    argument), over the calls' structures; None when nothing is known or it is past counting."""
    most = None
    for shape in shapes:
        sized = sum(_sized(a) for a in [*shape.args, *shape.keywords.values()])
        count = min(_CAP, math.prod([3] * sized))
        most = count if most is None else max(most, count)
    return None if most is None or most >= _CAP else most


def tally(raw_shapes: Iterable[object]) -> tuple[list[str], int | None]:
    """The distinct shapes among calls (named, in the order met), and how many could exist."""
    shapes = [s for s in map(read_shape, raw_shapes) if s is not None]
    return list(dict.fromkeys(call_key(s) for s in shapes)), possible_keys(shapes)


def too_few(evidence: TargetEvidence, floor: int) -> str | None:
    """Why the calls of ``evidence`` compared equal cover too few input shapes, if they do.

    The floor is lowered to what the arguments' types allow: a function of one int has one.
    """
    known = evidence.input_shapes_possible
    floor = floor if known is None else min(floor, known)
    if evidence.input_shapes >= floor:
        return None
    shown = "; ".join(evidence.input_shape_names) or "none"
    return (
        f"{evidence.target}: the calls compared equal cover {evidence.input_shapes} distinct "
        f"input shape(s) ({shown}); the floor is {floor}"
    )


def classes_in(shape: Any) -> set[str]:
    """The classes other than builtins that a shape holds (at any depth)."""
    if isinstance(shape, CallShape):
        found: set[str] = set()
        for part in [*shape.args, *shape.keywords.values()]:
            found |= classes_in(part)
        return found
    if not isinstance(shape, dict):
        return set()
    if shape.get("type") == "object":
        return {str(shape.get("class", "?"))}
    found = set()
    for key in ("items", "fields", "keys", "values"):
        for part in shape.get(key, []):
            found |= classes_in(part)
    return found
