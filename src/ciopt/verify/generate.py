"""Inputs for a function, generated with hypothesis from the type hints in its source text.

The client's code runs in another interpreter, so nothing here imports or executes it: the
function is found with ``ast`` and its parameters' annotations are interpreted from their syntax.
Only hints built from builtins and ``typing`` / ``collections.abc`` constructs are understood
(plus module-level aliases of them, ``NewType`` and ``TypeVar``); the values generated are plain
builtin values, bounded so that calls stay fast, ready to be pickled and sent to the client's
interpreter.

A type variable is bound, in each generated call, to one concrete type for all its occurrences,
as a type checker would bind it: a constrained one to one of its (supported) constraints, a bound
one to its bound, and an unbounded or ``Hashable``-bound one to ``int`` or ``str``.
"""

from __future__ import annotations

import ast
import contextlib
import itertools
import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.reporting import with_reporter

from ciopt.verify.astdiff import definitions

__all__ = ["COLLECTION_SIZE", "Generated", "draw", "generate_inputs", "scalar_strategy"]

_FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
_Call = tuple[tuple[Any, ...], dict[str, Any]]
# A strategy for one hint, and whether its values are hashable (usable as dict keys, set items).
_Hint = tuple[st.SearchStrategy[Any], bool]

_INT_BOUND = 10**6
_FLOAT_BOUND = 1e9
_TEXT_SIZE = 20
COLLECTION_SIZE = 10
_MAX_DEPTH = 30  # nesting of hints, aliases and string annotations, against cycles
_MAX_BINDINGS = 64  # combinations of concrete types for a function's type variables

# What each understood name means, per module it may come from.
_SCALARS = ("int", "float", "str", "bytes", "bool", "complex")
_BUILTIN_KINDS = {name: name for name in (*_SCALARS, "list", "tuple", "dict", "set", "frozenset")}
_ABC_KINDS = {
    "Sequence": "list",
    "Iterable": "list",
    "Collection": "list",
    "MutableSequence": "list",
    "Mapping": "dict",
    "MutableMapping": "dict",
    "Set": "set",
    "MutableSet": "set",
    "Hashable": "hashable",
}
_TYPING_KINDS = {
    **_ABC_KINDS,
    "List": "list",
    "Tuple": "tuple",
    "Dict": "dict",
    "AbstractSet": "set",
    "FrozenSet": "frozenset",
    "Text": "str",
    "Optional": "optional",
    "Union": "union",
    "Literal": "literal",
    "Annotated": "annotated",
    "TypeVar": "typevar",
}
_MODULE_KINDS = {
    "builtins": _BUILTIN_KINDS,
    "typing": _TYPING_KINDS,
    "typing_extensions": _TYPING_KINDS,
    "collections.abc": _ABC_KINDS,
}
# What a module-like first name means when the module does not bind it.
_DEFAULT_MODULES = {
    "builtins": "builtins",
    "typing": "typing",
    "t": "typing",
    "typing_extensions": "typing_extensions",
    "collections": "collections",
}
_GENERIC_ONLY = frozenset({"optional", "union", "literal", "annotated"})
_NOT_HINTS = frozenset({"typevar"})


@dataclass
class Generated:
    """The calls generated for one function, or why there are none."""

    qualname: str
    # Each call as (args, kwargs).
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)
    # Why no inputs were generated, one short human phrase.
    skipped: str | None = None


class _Unsupported(Exception):
    """A hint that cannot be turned into a strategy; ``text`` is its source, ``reason`` says why
    the function is skipped."""

    def __init__(self, text: str, reason: str | None = None) -> None:
        super().__init__(text)
        self.text = text
        self.reason = reason or f"'{text}' is not a supported type hint"


@dataclass(frozen=True)
class _TypeVar:
    """A type variable: ``TypeVar(name, *constraints, bound=bound)`` or ``def f[name: bound]``."""

    name: str
    constraints: tuple[ast.expr, ...] = ()
    bound: ast.expr | None = None


class _Stop(Exception):
    """Raised inside the hypothesis test to end generation early."""


def _flat(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """The statements of a block, looking into ``if`` / ``try`` / ``with`` but not into defs."""
    for stmt in body:
        if isinstance(stmt, ast.If):
            yield from _flat(stmt.body)
            yield from _flat(stmt.orelse)
        elif isinstance(stmt, ast.Try | ast.TryStar):
            yield from _flat(stmt.body)
            for handler in stmt.handlers:
                yield from _flat(handler.body)
            yield from _flat(stmt.orelse)
            yield from _flat(stmt.finalbody)
        elif isinstance(stmt, ast.With):
            yield from _flat(stmt.body)
        else:
            yield stmt


def _dotted(node: ast.expr) -> str | None:
    """``a.b.c`` for a chain of attributes on a name, else None."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _dotted(node.value)
        return None if base is None else f"{base}.{node.attr}"
    return None


def _is_staticmethod(fn: _FunctionNode) -> bool:
    return any(
        (isinstance(d, ast.Name) and d.id == "staticmethod")
        or (isinstance(d, ast.Attribute) and d.attr == "staticmethod")
        for d in fn.decorator_list
    )


def _locate(tree: ast.Module, qualname: str) -> _FunctionNode | str:
    """The def named by ``qualname``, or why it cannot be used."""
    parts = tuple(p for p in qualname.split(".") if p != "<locals>")
    found = [(kinds, node) for names, kinds, node in definitions(tree) if names == parts]
    if not found:
        return "not found"
    kinds, node = found[-1]  # the last definition wins, as when the module runs
    if any(kinds[:-1]):
        return "nested functions are not supported"
    if not isinstance(node, _FunctionNode):
        return f"'{qualname}' is a class, not a function"
    if len(parts) > 1 and not _is_staticmethod(node):
        return "a method needs an instance"
    return node


def _args(node: ast.expr) -> list[ast.expr]:
    """The arguments of a subscript: ``X[a, b]`` -> ``[a, b]``, ``X[a]`` -> ``[a]``."""
    return list(node.elts) if isinstance(node, ast.Tuple) else [node]


class _Hints:
    """Turns annotation nodes into strategies, knowing what the module's names are bound to."""

    def __init__(self, tree: ast.Module, fn: _FunctionNode) -> None:
        # name -> ("module", module) | ("import", "module.attr") | ("alias", expr) | ("local", "")
        self._bindings: dict[str, tuple[str, Any]] = {}
        self._expanding: set[str] = set()
        for stmt in _flat(tree.body):
            self._bind(stmt)
        # The function's own type parameters (PEP 695, Python 3.12+), shadowing the module's
        # names; a ParamSpec or TypeVarTuple is kept as None, which is not supported.
        self._scoped: dict[str, _TypeVar | None] = {}
        for param in getattr(fn, "type_params", ()):
            name = str(getattr(param, "name", ""))
            self._scoped[name] = None
            if type(param).__name__ == "TypeVar":
                bound: ast.expr | None = getattr(param, "bound", None)
                if isinstance(bound, ast.Tuple):
                    self._scoped[name] = _TypeVar(name, tuple(bound.elts))
                else:
                    self._scoped[name] = _TypeVar(name, bound=bound)
        # The type variables met while discovering, in order; and, when building, the hint each
        # is bound to (None while discovering).
        self.typevars: dict[str, _TypeVar] = {}
        self.chosen: dict[str, _Hint] | None = None

    def _bind(self, stmt: ast.stmt) -> None:
        if isinstance(stmt, ast.Import | ast.ImportFrom):
            self._bind_import(stmt)
        elif isinstance(stmt, ast.Assign):
            if len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                self._bindings[stmt.targets[0].id] = ("alias", stmt.value)
            else:
                for target in stmt.targets:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name):
                            self._bindings[sub.id] = ("local", "")
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            value = stmt.value
            self._bindings[stmt.target.id] = ("local", "") if value is None else ("alias", value)
        elif isinstance(stmt, _FunctionNode | ast.ClassDef):
            self._bindings[stmt.name] = ("local", "")

    def _bind_import(self, stmt: ast.Import | ast.ImportFrom) -> None:
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self._bindings[alias.asname] = ("module", alias.name)
                else:
                    top = alias.name.split(".")[0]
                    self._bindings[top] = ("module", top)
        elif isinstance(stmt, ast.ImportFrom):
            module = "." * stmt.level + (stmt.module or "")
            for alias in stmt.names:
                self._bindings[alias.asname or alias.name] = ("import", f"{module}.{alias.name}")

    def _module(self, parts: list[str]) -> str | None:
        """The module that a dotted name such as ``t`` or ``collections.abc`` refers to."""
        binding = self._bindings.get(parts[0])
        if binding is None:
            first = _DEFAULT_MODULES.get(parts[0])
        elif binding[0] in ("module", "import"):
            first = binding[1]
        else:
            return None
        return None if first is None else ".".join([first, *parts[1:]])

    def _kind(self, node: ast.expr) -> str:
        """What a name or attribute in a hint means: one of the values of the kind tables."""
        dotted = _dotted(node)
        if dotted is None:
            raise _Unsupported(ast.unparse(node))
        *base, name = dotted.split(".")
        if base:
            module = self._module(base)
            kind = _MODULE_KINDS.get(module or "", {}).get(name)
        else:
            binding = self._bindings.get(name)
            if binding is None:
                kind = _BUILTIN_KINDS.get(name) or _TYPING_KINDS.get(name)
            elif binding[0] == "import":
                module, _, attr = str(binding[1]).rpartition(".")
                kind = _MODULE_KINDS.get(module, {}).get(attr)
            else:
                kind = None
        if kind is None:
            raise _Unsupported(dotted)
        return kind

    def _typevar(self, name: str) -> _TypeVar | None:
        """The type variable ``name`` stands for, if it is one."""
        if name in self._scoped:
            scoped = self._scoped[name]
            if scoped is None:
                raise _Unsupported(name)
            return scoped
        binding = self._bindings.get(name)
        if binding is None or binding[0] != "alias" or not isinstance(binding[1], ast.Call):
            return None
        call: ast.Call = binding[1]
        try:
            if self._kind(call.func) != "typevar":
                return None
        except _Unsupported:
            return None
        bound = next((k.value for k in call.keywords if k.arg == "bound"), None)
        return _TypeVar(name, tuple(call.args[1:]), bound)

    def _bound_to(self, typevar: _TypeVar) -> _Hint:
        """The hint a type variable is bound to; while discovering, a placeholder."""
        if self.chosen is None:
            self.typevars.setdefault(typevar.name, typevar)
            return st.nothing(), True
        if typevar.name not in self.chosen:  # one met inside a bound or constraint
            raise _Unsupported(typevar.name)
        return self.chosen[typevar.name]

    def _is_hashable_hint(self, node: ast.expr) -> bool:
        """Whether ``node`` is ``Hashable`` (or a string of it)."""
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value.strip(), mode="eval").body
            except SyntaxError:
                return False
        try:
            return self._kind(node) == "hashable"
        except _Unsupported:
            return False

    def candidates(self, typevar: _TypeVar) -> list[_Hint]:
        """The hints ``typevar`` may be bound to in a call."""
        self.chosen = {}  # a type variable inside a bound or a constraint is not supported
        name = typevar.name
        if typevar.constraints:
            found = []
            for constraint in typevar.constraints:
                with contextlib.suppress(_Unsupported):
                    found.append(self.strategy(constraint))
            if not found:
                reason = f"no constraint of TypeVar '{name}' is a supported type hint"
                raise _Unsupported(name, reason)
            return found
        if typevar.bound is None or self._is_hashable_hint(typevar.bound):
            return [self._bare("int"), self._bare("str")]
        try:
            return [self.strategy(typevar.bound)]
        except _Unsupported as unsupported:
            reason = (
                f"'{unsupported.text}', the bound of TypeVar '{name}', is not a supported type hint"
            )
            raise _Unsupported(name, reason) from None

    def _alias(self, name: str, depth: int) -> _Hint | None:
        """The strategy for a type variable or a module-level alias (``Vector = list[float]``,
        ``NewType``)."""
        typevar = self._typevar(name)
        if typevar is not None:
            return self._bound_to(typevar)
        binding = self._bindings.get(name)
        if binding is None or binding[0] != "alias":
            return None
        value: ast.expr = binding[1]
        if (
            isinstance(value, ast.Call)
            and (_dotted(value.func) or "").split(".")[-1] == "NewType"
            and len(value.args) == 2
        ):
            value = value.args[1]
        if name in self._expanding:
            raise _Unsupported(name)
        self._expanding.add(name)
        try:
            return self.strategy(value, depth + 1)
        except _Unsupported:
            raise _Unsupported(name) from None
        finally:
            self._expanding.discard(name)

    def strategy(self, node: ast.expr, depth: int = 0) -> _Hint:
        """The strategy for the hint ``node``; raises ``_Unsupported`` naming the culprit."""
        if depth > _MAX_DEPTH:
            raise _Unsupported(ast.unparse(node))
        if isinstance(node, ast.Constant):
            if node.value is None:
                return st.none(), True
            if isinstance(node.value, str):
                try:
                    parsed = ast.parse(node.value.strip(), mode="eval").body
                except SyntaxError:
                    raise _Unsupported(node.value) from None
                return self.strategy(parsed, depth + 1)
            raise _Unsupported(ast.unparse(node))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._union([node.left, node.right], depth)
        if isinstance(node, ast.Name):
            aliased = self._alias(node.id, depth)
            if aliased is not None:
                return aliased
        if isinstance(node, ast.Subscript):
            return self._generic(node, self._kind(node.value), _args(node.slice), depth)
        kind = self._kind(node)
        if kind in _GENERIC_ONLY or kind in _NOT_HINTS:
            raise _Unsupported(ast.unparse(node))
        return self._bare(kind)

    def _bare(self, kind: str) -> _Hint:
        """A hint without parameters; bare collections hold ints."""
        scalar = scalar_strategy(kind)
        if scalar is not None:
            return scalar, True
        integers = st.integers(-_INT_BOUND, _INT_BOUND)
        return self._collection(kind, [(integers, True)] * (2 if kind == "dict" else 1), "")

    def _collection(self, kind: str, items: list[_Hint], text: str) -> _Hint:
        """A list, variadic tuple, dict, set or frozenset of the given item strategies."""
        size = COLLECTION_SIZE
        if kind == "list":
            return st.lists(items[0][0], max_size=size), False
        if kind == "tuple":
            return st.lists(items[0][0], max_size=size).map(tuple), items[0][1]
        if not items[0][1]:  # dict keys and set items must be hashable
            raise _Unsupported(text)
        if kind == "dict":
            return st.dictionaries(items[0][0], items[1][0], max_size=size), False
        if kind == "set":
            return st.sets(items[0][0], max_size=size), False
        return st.frozensets(items[0][0], max_size=size), True

    def _union(self, members: list[ast.expr], depth: int) -> _Hint:
        hints = [self.strategy(member, depth + 1) for member in members]
        return st.one_of(*(s for s, _ in hints)), all(h for _, h in hints)

    def _literal(self, values: list[ast.expr]) -> list[object]:
        found: list[object] = []
        for value in values:
            if isinstance(value, ast.Constant) and (
                value.value is None or isinstance(value.value, bool | int | str | bytes)
            ):
                found.append(value.value)
            elif (
                isinstance(value, ast.UnaryOp)
                and isinstance(value.op, ast.USub)
                and isinstance(value.operand, ast.Constant)
                and type(value.operand.value) is int
            ):
                found.append(-value.operand.value)
            elif isinstance(value, ast.Subscript) and self._kind(value.value) == "literal":
                found.extend(self._literal(_args(value.slice)))
            else:
                raise _Unsupported(ast.unparse(value))
        return found

    def _generic(self, node: ast.Subscript, kind: str, args: list[ast.expr], depth: int) -> _Hint:
        """A parametrised hint such as ``list[int]`` or ``Optional[str]``."""
        text = ast.unparse(node)
        if not args and kind != "tuple":
            raise _Unsupported(text)
        count = {"list": 1, "set": 1, "frozenset": 1, "dict": 2, "optional": 1}
        if kind in count and len(args) != count[kind]:
            raise _Unsupported(text)
        if kind == "literal":
            return st.sampled_from(self._literal(args)), True
        if kind == "annotated":
            return self.strategy(args[0], depth + 1)
        if kind in ("union", "optional"):
            members = [*args, ast.Constant(None)] if kind == "optional" else args
            return self._union(members, depth)
        if kind == "tuple":
            ellipsis = [isinstance(a, ast.Constant) and a.value is Ellipsis for a in args]
            if ellipsis == [False, True]:
                return self._collection("tuple", [self.strategy(args[0], depth + 1)], text)
            if any(ellipsis):
                raise _Unsupported(text)
            hints = [self.strategy(arg, depth + 1) for arg in args]
            return st.tuples(*(s for s, _ in hints)), all(h for _, h in hints)
        if kind in count:
            return self._collection(kind, [self.strategy(a, depth + 1) for a in args], text)
        raise _Unsupported(text)  # a scalar cannot be parametrised


def scalar_strategy(kind: str) -> st.SearchStrategy[Any] | None:
    """The bounded strategy of a scalar kind: int, float, str, bytes, bool, complex, hashable."""
    integers = st.integers(-_INT_BOUND, _INT_BOUND)
    text = st.text(max_size=_TEXT_SIZE)
    scalars: dict[str, st.SearchStrategy[Any]] = {
        "int": integers,
        "float": st.floats(-_FLOAT_BOUND, _FLOAT_BOUND, allow_nan=False, allow_infinity=False),
        "str": text,
        "bytes": st.binary(max_size=_TEXT_SIZE),
        "bool": st.booleans(),
        "complex": st.complex_numbers(
            max_magnitude=_FLOAT_BOUND, allow_nan=False, allow_infinity=False
        ),
        "hashable": st.one_of(integers, text),
    }
    return scalars.get(kind)


def _parameters(fn: _FunctionNode) -> tuple[list[ast.arg], list[ast.arg]]:
    """The positional and keyword-only parameters that have no default."""
    spec = fn.args
    positional = [*spec.posonlyargs, *spec.args]
    required = positional[: len(positional) - len(spec.defaults)]
    keyword = [
        arg
        for arg, default in zip(spec.kwonlyargs, spec.kw_defaults, strict=True)
        if default is None
    ]
    return required, keyword


def _build(hints: _Hints, params: list[ast.arg]) -> dict[str, st.SearchStrategy[Any]]:
    """The strategy for each parameter, with the type variables as ``hints`` binds them."""
    strategies: dict[str, st.SearchStrategy[Any]] = {}
    for param in params:
        if param.annotation is None:
            raise _Unsupported(param.arg, f"parameter '{param.arg}' has no type hint")
        strategies[param.arg] = hints.strategy(param.annotation)[0]
    return strategies


def _call_strategy(tree: ast.Module, fn: _FunctionNode) -> st.SearchStrategy[_Call] | str:
    """The strategy for calls of ``fn``, or why there is none.

    Each call binds every type variable to one concrete hint: the strategy draws one of the
    combinations of candidates that work for all the parameters, then the arguments for it.
    """
    hints = _Hints(tree, fn)
    positional, keyword = _parameters(fn)
    params = [*positional, *keyword]
    try:
        _build(hints, params)  # discovers the type variables
        typevars = list(hints.typevars.values())
        choices = [hints.candidates(typevar) for typevar in typevars]
    except _Unsupported as unsupported:
        return unsupported.reason
    if math.prod(len(choice) for choice in choices) > _MAX_BINDINGS:
        return "its type variables have too many combinations of types"
    calls: list[st.SearchStrategy[_Call]] = []
    failure: str | None = None
    for combination in itertools.product(*choices):
        hints.chosen = {t.name: hint for t, hint in zip(typevars, combination, strict=True)}
        try:
            strategies = _build(hints, params)
        except _Unsupported as unsupported:
            failure = failure or unsupported.reason
            continue
        calls.append(
            st.tuples(
                st.tuples(*(strategies[p.arg] for p in positional)),
                st.fixed_dictionaries({p.arg: strategies[p.arg] for p in keyword}),
            )
        )
    if not calls:
        return failure or "no inputs can be generated"
    return calls[0] if len(calls) == 1 else st.one_of(calls)


def draw(
    strategy: st.SearchStrategy[_Call], max_examples: int, seconds: float, seed: int
) -> list[_Call]:
    """Draw up to ``max_examples`` distinct calls from ``strategy`` within ``seconds``."""
    if max_examples <= 0:
        return []
    found: dict[str, _Call] = {}
    stop_at = time.monotonic() + seconds

    def collect(call: _Call) -> None:
        if len(found) >= max_examples or time.monotonic() >= stop_at:
            raise _Stop
        found.setdefault(repr(call), call)  # repr tells 1, 1.0 and True apart

    test = settings(
        max_examples=max_examples,
        database=None,
        deadline=None,
        derandomize=False,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
        report_multiple_bugs=False,
        print_blob=False,
    )(hypothesis_seed(seed)(given(strategy)(collect)))
    with with_reporter(lambda _: None), contextlib.suppress(_Stop):
        test()
    return list(found.values())[:max_examples]


def generate_inputs(
    source: str, qualname: str, *, max_examples: int = 100, seconds: float = 10.0, seed: int = 0
) -> Generated:
    """Up to ``max_examples`` distinct argument tuples for ``qualname`` in ``source``, within
    ``seconds``.

    Deterministic for a given ``seed``. Nothing of ``source`` is imported or executed: when the
    function cannot be called from outside, or a parameter without a default has no hint or one
    that is not understood, ``skipped`` says so and ``calls`` is empty.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return Generated(qualname, skipped="the source does not parse")
    fn = _locate(tree, qualname)
    if isinstance(fn, str):
        return Generated(qualname, skipped=fn)
    strategy = _call_strategy(tree, fn)
    if isinstance(strategy, str):
        return Generated(qualname, skipped=strategy)
    return Generated(qualname, calls=draw(strategy, max_examples, seconds, seed))
