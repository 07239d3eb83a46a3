"""The Dagger API's GraphQL schema, as the installed dagger-io's generated client knows it.

dagger-io builds every query against the schema it fetches from the engine (``gql``'s DSL), so a
fake engine must serve one. It is derived here from ``dagger.client.gen``, the client generated
from the real engine's schema: each method's GraphQL field comes from its ``_select("name")``,
its arguments from its ``Arg("name", param)`` list and its parameters' type hints. A field the
fake serves is therefore one the installed SDK asks for, with the types it sends.
"""

from __future__ import annotations

import ast
import enum
import functools
import inspect
import re
import textwrap
import types
import typing
from typing import Any

import graphql
from dagger.client import base, gen

__all__ = ["dagger_schema"]

SELECT = re.compile(r'_select\("(\w+)"|execute_sync\(self, "(\w+)"')
LEAVES = {str: "String", int: "Int", bool: "Boolean", float: "Float"}


@functools.cache
def dagger_schema() -> graphql.GraphQLSchema:
    classes = {name: getattr(gen, name) for name in gen.__all__}
    classes = {name: cls for name, cls in classes.items() if inspect.isclass(cls)}
    lines: list[str] = []
    for name, cls in classes.items():
        if issubclass(cls, base.Scalar):
            lines.append(f"scalar {name}")
        elif issubclass(cls, enum.Enum):
            lines.append(f"enum {name} {{ {' '.join(m.name for m in cls)} }}")
    for name, cls in classes.items():
        if issubclass(cls, base.Input):
            hints = typing.get_type_hints(cls).items()
            fields = [f for f in (_input_field(n, t) for n, t in hints) if f]
            lines.append(f"input {name} {{ {' '.join(fields)} }}")
        elif issubclass(cls, base.Type) and not issubclass(cls, base.Interface):
            gql_name = cls._graphql_name()
            if name == "Client":  # Query plus the connection's own methods
                continue
            fields = [f for f in (_field(cls, m) for m in vars(cls).values()) if f]
            if fields:
                lines.append(f"type {gql_name} {{ {' '.join(fields)} }}")
    return graphql.build_schema("\n".join(lines))


def _field(cls: type, method: Any) -> str | None:
    if not inspect.isfunction(method) or method.__name__.startswith("_"):
        return None
    source = inspect.getsource(method)
    select = SELECT.search(source)
    if select is None:
        return None
    name = select.group(1) or select.group(2)
    hints = typing.get_type_hints(method, vars(gen))
    if (name == "id" or select.group(2)) and hasattr(gen, f"{cls.__name__}ID"):
        hints["return"] = getattr(gen, f"{cls.__name__}ID")  # annotated as str, or Self
    result = _gql_type(hints.get("return"), cls, returned=True)
    if result is None:
        return None
    args = []
    for gql_arg, param, has_default in _args(source, hints):
        hint = hints.get(param)
        arg_type = _gql_type(hint, cls, returned=False)
        if arg_type is None:
            return None
        if has_default and arg_type.endswith("!"):
            arg_type = arg_type[:-1]
        args.append(f"{gql_arg}: {arg_type}")
    signature = f"({', '.join(args)})" if args else ""
    return f"{name}{signature}: {result}"


def _args(source: str, hints: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """``(GraphQL name, parameter, has a default)`` of each ``Arg(...)`` in a method's body."""
    found = []
    for node in ast.walk(ast.parse(textwrap.dedent(source))):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Arg":
            name = node.args[0]
            assert isinstance(name, ast.Constant)
            params = [n.id for n in ast.walk(node.args[1]) if isinstance(n, ast.Name)]
            param = next(p for p in params if p in hints)
            found.append((str(name.value), param, len(node.args) == 3))
    return found


def _input_field(name: str, hint: Any) -> str | None:
    gql = _gql_type(hint, None, returned=False)
    return f"{_camel(name)}: {gql}" if gql else None


def _gql_type(hint: Any, owner: type | None, *, returned: bool) -> str | None:
    """``hint`` as a GraphQL type; objects are passed as their IDs, and ``Self`` returned by an
    awaited method (``sync``) is the owner's ID too."""
    nullable = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        options = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(options) != 1:
            return None
        hint, nullable = options[0], True
    if hint is typing.Self:
        hint = owner
    if getattr(hint, "__name__", None) in gen.__all__:  # beartype's forward references
        hint = getattr(gen, hint.__name__)
    if typing.get_origin(hint) is list:
        (item,) = typing.get_args(hint)
        inner = _gql_type(item, owner, returned=returned)
        gql = f"[{inner}]" if inner else None
    elif hint in LEAVES:
        gql = LEAVES[hint]
    elif inspect.isclass(hint) and issubclass(hint, (base.Scalar, enum.Enum, base.Input)):
        gql = hint.__name__
    elif inspect.isclass(hint) and issubclass(hint, base.Type):
        gql = hint._graphql_name() if returned else f"{hint.__name__}ID"
    else:
        return None
    return gql if gql is None or nullable else f"{gql}!"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
