"""The imports a reply's code brings that a module lacks, and where they go in it."""

from __future__ import annotations

import ast
import copy
from collections.abc import Iterable

from ciopt.agent.codeblocks import Code
from ciopt.agent.locate import DEFS
from ciopt.agent.splice import Region

__all__ = ["Imports", "import_region", "new_imports"]

Imports = ast.Import | ast.ImportFrom
Binding = tuple[str, str, str | None]  # where from, the name, its alias


def new_imports(tree: ast.Module, given: Iterable[tuple[Code, Imports]]) -> list[str]:
    """The lines of ``given`` imports binding names that ``tree``'s imports do not bind yet
    (a name it imports from elsewhere keeps its binding; no ``__future__`` imports: they may only
    start a module)."""
    have = _bindings(tree)
    bound = {_bound(key) for key in have}
    new: list[str] = []
    for code, stmt in given:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            continue
        missing = [a for a in stmt.names if _bound(_key(stmt, a)) not in bound]
        bound |= {_bound(_key(stmt, a)) for a in missing}
        if len(missing) == len(stmt.names):
            new += code.lines[stmt.lineno - 1 : stmt.end_lineno]
        elif missing:
            partial = copy.copy(stmt)
            partial.names = missing
            new += ast.unparse(partial).splitlines()
    return new


def import_region(tree: ast.Module, lines: tuple[str, ...], new: list[str]) -> Region:
    """``new`` import lines after the module's last top-level import, else after its docstring,
    else at its top (after a ``#!`` line and encoding comments)."""
    body = tree.body
    imports = [s for s in body if isinstance(s, Imports)]
    if imports:
        at = imports[-1].end_lineno or imports[-1].lineno
        return Region(at, at, tuple(new))
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        at = body[0].end_lineno or body[0].lineno
        return Region(at, at, ("", *new))
    at = 0
    while at < len(lines) and lines[at].startswith("#"):
        at += 1
    return Region(at, at, (*new, ""))


def _key(stmt: Imports, alias: ast.alias) -> Binding:
    source = "" if isinstance(stmt, ast.Import) else "." * stmt.level + (stmt.module or "")
    return source, alias.name, alias.asname


def _bound(key: Binding) -> str:
    """The name an import binds: its alias, else the imported name (``a`` for ``import a.b``)."""
    source, name, alias = key
    return alias or (name if source or "." not in name else name.split(".")[0])


def _bindings(tree: ast.Module) -> set[Binding]:
    """What the module's imports bind, outside its functions and classes."""
    found: set[Binding] = set()
    nodes: list[ast.AST] = list(tree.body)
    while nodes:
        node = nodes.pop()
        if isinstance(node, Imports):
            found |= {_key(node, a) for a in node.names}
        elif not isinstance(node, (*DEFS, ast.expr)):
            nodes.extend(ast.iter_child_nodes(node))
    return found
