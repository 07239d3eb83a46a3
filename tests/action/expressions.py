"""GitHub Actions expressions (``${{ ... }}``), the subset ciopt's action uses, evaluated strictly.

Supported: literals (``'str'`` with ``''`` for a quote, numbers, ``true``, ``false``, ``null``),
context access (``inputs.x``, ``steps.id.outputs.name``, ``a['b']``), ``!``, ``==``, ``!=``,
``<``, ``<=``, ``>``, ``>=``, ``&&``, ``||``, parentheses, and the functions ``always()``,
``success()``, ``failure()``, ``cancelled()``, ``format()``, ``contains()``, ``startsWith()``,
``endsWith()``, ``toJSON()``, ``fromJSON()``. The rules are GitHub's: strings compare without
regard to case, values of different types are compared as numbers, ``&&`` and ``||`` return an
operand, a missing property is ``null``.

Anything else raises ``ExpressionError`` (``hashFiles()``, ``*`` filters, an unknown context or
function), and so does a name a ``Strict`` mapping does not hold: contexts whose keys are known
(``inputs``, ``github``, ``runner``, ``steps``) are ``Strict``, so a typo fails instead of reading
as an empty string.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["ExpressionError", "Strict", "evaluate", "evaluate_if", "interpolate", "to_text"]

STATUS = {"always", "success", "failure", "cancelled"}
KEYWORDS = {"true": True, "false": False, "null": None}
TOKEN = re.compile(
    r"\s*(?:(?P<num>0x[0-9a-fA-F]+|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<str>'(?:[^']|'')*')"
    r"|(?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\],.*])"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_-]*))"
)


class ExpressionError(ValueError):
    """An expression this evaluator does not understand, or a name that does not exist."""


class Strict(dict[str, Any]):
    """A context whose keys are all known: reading another one is an error, not ``null``."""

    def __init__(self, what: str, items: Mapping[str, Any]) -> None:
        super().__init__(items)
        self.what = what


@dataclass(frozen=True)
class Status:
    """What the status functions answer for the step being decided."""

    failed: bool = False
    cancelled: bool = False


# -- parsing -------------------------------------------------------------------------------------

Node = tuple[Any, ...]


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            match = TOKEN.match(text, pos)
            if match is None or match.end() == pos:
                raise ExpressionError(f"cannot read {text[pos:]!r} in {text!r}")
            kind = match.lastgroup or ""
            self.tokens.append((kind, match.group(kind)))
            pos = match.end()
        self.at = 0

    def parse(self) -> Node:
        node = self._or()
        if self.at != len(self.tokens):
            raise ExpressionError(f"unexpected {self.tokens[self.at][1]!r} in {self.text!r}")
        return node

    def _peek(self) -> str | None:
        return self.tokens[self.at][1] if self.at < len(self.tokens) else None

    def _take(self, expected: str | None = None) -> tuple[str, str]:
        if self.at >= len(self.tokens):
            raise ExpressionError(f"{self.text!r} ends too early")
        token = self.tokens[self.at]
        if expected is not None and token[1] != expected:
            raise ExpressionError(f"expected {expected!r}, found {token[1]!r} in {self.text!r}")
        self.at += 1
        return token

    def _binary(self, ops: tuple[str, ...], operand: Callable[[], Node]) -> Node:
        node = operand()
        while self._peek() in ops:
            op = self._take()[1]
            node = ("op", op, node, operand())
        return node

    def _or(self) -> Node:
        return self._binary(("||",), self._and)

    def _and(self) -> Node:
        return self._binary(("&&",), self._equality)

    def _equality(self) -> Node:
        return self._binary(("==", "!="), self._relation)

    def _relation(self) -> Node:
        return self._binary(("<", "<=", ">", ">="), self._unary)

    def _unary(self) -> Node:
        if self._peek() == "!":
            self._take()
            return ("not", self._unary())
        return self._postfix()

    def _postfix(self) -> Node:
        node = self._primary()
        while self._peek() in (".", "["):
            if self._take()[1] == ".":
                kind, name = self._take()
                if kind != "name":
                    raise ExpressionError(f"{name!r} after '.' in {self.text!r}")
                node = ("get", node, ("lit", name))
            else:
                node = ("get", node, self._or())
                self._take("]")
        return node

    def _primary(self) -> Node:
        kind, value = self._take()
        if kind == "num":
            number = int(value, 16) if value.lower().startswith("0x") else float(value)
            return ("lit", number)
        if kind == "str":
            return ("lit", value[1:-1].replace("''", "'"))
        if value == "(":
            node = self._or()
            self._take(")")
            return node
        if kind != "name":
            raise ExpressionError(f"unexpected {value!r} in {self.text!r}")
        if value in KEYWORDS:
            return ("lit", KEYWORDS[value])
        return self._call(value) if self._peek() == "(" else ("context", value)

    def _call(self, name: str) -> Node:
        self._take("(")
        args: list[Node] = []
        while self._peek() != ")":
            args.append(self._or())
            if self._peek() == ",":
                self._take()
        self._take(")")
        return ("call", name, args)


def _calls(node: Node) -> set[str]:
    found: set[str] = set()
    if node[0] == "call":
        found.add(node[1])
    for part in node[1:]:
        if isinstance(part, tuple):
            found |= _calls(part)
        elif isinstance(part, list):
            for item in part:
                found |= _calls(item)
    return found


# -- evaluation ----------------------------------------------------------------------------------


def _number(value: Any) -> float:
    if value is None or isinstance(value, bool | int | float):
        return float(value or 0)
    if not isinstance(value, str):
        return math.nan
    text = value.strip()
    try:
        return float(int(text, 16)) if text.lower().startswith("0x") else float(text or 0)
    except ValueError:
        return math.nan


def _truthy(value: Any) -> bool:
    if isinstance(value, float) and math.isnan(value):
        return False
    return value not in (None, False, 0, "")


def _compare(op: str, left: Any, right: Any) -> bool:
    if isinstance(left, str) and isinstance(right, str):
        a: Any = left.casefold()
        b: Any = right.casefold()
    elif type(left) is type(right) and isinstance(left, dict | list):
        if op in ("==", "!="):
            return (left is right) == (op == "==")
        return False
    else:
        a, b = _number(left), _number(right)
    if op == "==":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    ops: dict[str, Callable[[Any, Any], bool]] = {
        "<": lambda x, y: x < y,
        "<=": lambda x, y: x <= y,
        ">": lambda x, y: x > y,
        ">=": lambda x, y: x >= y,
    }
    return ops[op](a, b)


def to_text(value: Any) -> str:
    """A value as ``${{ }}`` turns it into text inside a string."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, int | str):
        return str(value)
    raise ExpressionError(f"an object or array ({value!r}) cannot be put in a string")


def _format(template: str, *args: Any) -> str:
    def fill(match: re.Match[str]) -> str:
        if match.group(0) in ("{{", "}}"):
            return match.group(0)[0]
        index = int(match.group(1))
        if index >= len(args):
            raise ExpressionError(f"format({template!r}) has no argument {index}")
        return to_text(args[index])

    return re.sub(r"\{\{|\}\}|\{(\d+)\}", fill, template)


def _contains(haystack: Any, needle: Any) -> bool:
    if isinstance(haystack, list):
        return any(_compare("==", item, needle) for item in haystack)
    return to_text(needle).casefold() in to_text(haystack).casefold()


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "format": _format,
    "contains": _contains,
    "startsWith": lambda s, p: to_text(s).casefold().startswith(to_text(p).casefold()),
    "endsWith": lambda s, p: to_text(s).casefold().endswith(to_text(p).casefold()),
    "toJSON": lambda v: json.dumps(v, indent=2),
    "fromJSON": lambda s: json.loads(to_text(s)),
}


def _eval(node: Node, contexts: Mapping[str, Any], status: Status) -> Any:
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "context":
        if node[1] not in contexts:
            raise ExpressionError(f"unknown context {node[1]!r} (known: {', '.join(contexts)})")
        return contexts[node[1]]
    if kind == "get":
        return _get(_eval(node[1], contexts, status), _eval(node[2], contexts, status))
    if kind == "not":
        return not _truthy(_eval(node[1], contexts, status))
    if kind == "op":
        return _operate(node, contexts, status)
    if kind == "call":
        return _call(node[1], [_eval(a, contexts, status) for a in node[2]], status)
    raise ExpressionError(f"cannot evaluate {node!r}")


def _get(base: Any, key: Any) -> Any:
    """``base.key`` / ``base[key]``: ``null`` when missing, an error in a ``Strict`` context."""
    if isinstance(base, Strict):
        if key not in base:
            raise ExpressionError(f"{base.what} has no {key!r} (it has: {', '.join(base)})")
        return base[key]
    if isinstance(base, dict):
        return base.get(to_text(key))
    if isinstance(base, list) and isinstance(key, int | float) and not isinstance(key, bool):
        index = int(key)
        return base[index] if 0 <= index < len(base) else None
    return None


def _operate(node: Node, contexts: Mapping[str, Any], status: Status) -> Any:
    op = node[1]
    left = _eval(node[2], contexts, status)
    if op == "&&":
        return _eval(node[3], contexts, status) if _truthy(left) else left
    if op == "||":
        return left if _truthy(left) else _eval(node[3], contexts, status)
    return _compare(op, left, _eval(node[3], contexts, status))


def _call(name: str, args: list[Any], status: Status) -> Any:
    if name in STATUS:
        if args:
            raise ExpressionError(f"{name}() takes no arguments")
        return {
            "always": True,
            "success": not status.failed and not status.cancelled,
            "failure": status.failed,
            "cancelled": status.cancelled,
        }[name]
    if name not in FUNCTIONS:
        raise ExpressionError(f"function {name}() is not supported by this simulator")
    return FUNCTIONS[name](*args)


def evaluate(text: str, contexts: Mapping[str, Any], status: Status = Status()) -> Any:
    """The value of one expression (the text between ``${{`` and ``}}``)."""
    parser = _Parser(text)
    if ("op", "*") in parser.tokens:
        raise ExpressionError(f"object filters (*) are not supported: {text!r}")
    return _eval(parser.parse(), contexts, status)


def interpolate(value: Any, contexts: Mapping[str, Any], status: Status = Status()) -> Any:
    """A YAML value with every ``${{ }}`` evaluated; a value that is one expression keeps its
    type, text around expressions makes a string."""
    if not isinstance(value, str):
        return value
    parts: list[Any] = []
    pos = 0
    for match in re.finditer(r"\$\{\{(.*?)\}\}", value, re.DOTALL):
        parts.append(value[pos : match.start()])
        parts.append(evaluate(match.group(1), contexts, status))
        pos = match.end()
    parts.append(value[pos:])
    if len(parts) == 3 and parts[0] == parts[2] == "":
        return parts[1]
    return "".join(p if isinstance(p, str) else to_text(p) for p in parts)


def evaluate_if(condition: Any, contexts: Mapping[str, Any], status: Status) -> bool:
    """A step's ``if:``: without a status function it means ``success() && (condition)``."""
    if condition is None:
        return not status.failed and not status.cancelled
    if isinstance(condition, bool):
        return condition and not status.failed
    text = str(condition).strip()
    whole = re.fullmatch(r"\$\{\{(.*)\}\}", text, re.DOTALL)
    if whole:
        text = whole.group(1)
    tree = _Parser(text).parse()
    if not _calls(tree) & STATUS:
        tree = ("op", "&&", ("call", "success", []), tree)
    return _truthy(_eval(tree, contexts, status))
