"""Which functions and methods differ between two versions of a Python file, by their AST.

Every ``def`` and ``async def`` is named by a dotted qualname (``func``, ``Class.method``,
``outer.inner``) and fingerprinted by ``ast.dump`` of its node, so reformatting and comments
never count as a change while any edit to decorators, signature, docstring or body does. Each
change also names the recordable function covering it: the outermost function enclosing it that
can be called from outside, whose calls are recorded and replayed to check behaviour.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "FunctionChange",
    "callable_functions",
    "changed_functions",
    "definitions",
    "functions",
    "recordable",
    "shared_state_changed",
]

_FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class FunctionChange:
    """One function or method whose code differs between two versions of a file."""

    path: str
    qualname: str
    kind: Literal["changed", "added", "removed"]
    recordable: str

    @property
    def spec(self) -> str:
        """The recordable function as ``path::qualname``."""
        return f"{self.path}::{self.recordable}"


def definitions(
    node: ast.AST, prefix: tuple[str, ...] = (), kinds: tuple[bool, ...] = ()
) -> Iterator[tuple[tuple[str, ...], tuple[bool, ...], ast.AST]]:
    """Every class and function under ``node``, in source order, in any block: its name path,
    which parts of it are functions, and its node."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, _FunctionNode | ast.ClassDef):
            names = (*prefix, child.name)
            is_function = (*kinds, not isinstance(child, ast.ClassDef))
            yield names, is_function, child
            yield from definitions(child, names, is_function)
        else:
            yield from definitions(child, prefix, kinds)


def _parse(source: str) -> ast.Module | None:
    """The module ``source`` parses to, or None if it does not parse."""
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def _index(tree: ast.Module | None) -> dict[str, tuple[str, str]]:
    """Every function and method in ``tree``: qualname -> (fingerprint, recordable)."""
    if tree is None:
        return {}
    dumps: dict[str, list[str]] = {}
    covers: dict[str, str] = {}
    for names, is_function, node in definitions(tree):
        if is_function[-1]:
            qualname = ".".join(names)
            dumps.setdefault(qualname, []).append(ast.dump(node))
            covers.setdefault(qualname, ".".join(names[: is_function.index(True) + 1]))
    # A name defined more than once (property setters, conditional defs) keeps every version.
    return {name: ("\n".join(dumps[name]), covers[name]) for name in dumps}


def functions(source: str) -> dict[str, str]:
    """Every function and method in ``source`` (qualname -> a fingerprint of its code).

    Raises:
        SyntaxError: ``source`` does not parse.
    """
    return {name: fingerprint for name, (fingerprint, _) in _index(ast.parse(source)).items()}


def callable_functions(source: str) -> list[str]:
    """The functions and methods of ``source`` that can be called from outside (each its own
    ``recordable``), parsing it once.

    Raises:
        SyntaxError: ``source`` does not parse.
    """
    return [name for name, (_, cover) in _index(ast.parse(source)).items() if cover == name]


def recordable(qualname: str, source: str) -> str:
    """The outermost function in ``source`` that encloses ``qualname`` and can be called.

    That is the module-level function, or the method reached through classes only, on the way
    to ``qualname``; ``qualname`` itself when it is not found or ``source`` does not parse.
    """
    tree = _parse(source)
    if tree is not None:
        for names, is_function, _ in definitions(tree):
            if ".".join(names) == qualname and True in is_function:
                return ".".join(names[: is_function.index(True) + 1])
    return qualname


def changed_functions(path: str, old: str | None, new: str | None) -> list[FunctionChange]:
    """Functions whose code differs between ``old`` and ``new`` (None: the file is absent).

    When one side does not parse, every function of the other side counts as changed.
    """
    old_tree = None if old is None else _parse(old)
    new_tree = None if new is None else _parse(new)
    if old is not None and new is not None and (old_tree is None or new_tree is None):
        return [
            FunctionChange(path, name, "changed", cover)
            for name, (_, cover) in sorted(_index(old_tree or new_tree).items())
        ]
    before, after = _index(old_tree), _index(new_tree)
    changes = [
        FunctionChange(path, name, "removed", cover)
        for name, (_, cover) in before.items()
        if name not in after
    ]
    for name, (fingerprint, cover) in after.items():
        if name not in before:
            changes.append(FunctionChange(path, name, "added", cover))
        elif before[name][0] != fingerprint:
            changes.append(FunctionChange(path, name, "changed", cover))
    return sorted(changes, key=lambda change: change.qualname)


def shared_state_changed(old: str | None, new: str | None) -> bool:
    """Whether a statement outside every function, in the module or a class body, was changed
    or removed (a constant, a class attribute, an import rebinding a name).

    Such a statement may change what any function of the file does, not only the changed ones.
    Statements only added (a new import, a new cache) leave the old ones' meaning alone.
    """
    before, after = _parse(old or ""), _parse(new or "")
    if before is None or after is None:
        return old is not None and new is not None
    kept = _statements(after)
    return any(dump not in kept for dump in _statements(before))


def _statements(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    bodies: list[tuple[str, list[ast.stmt]]] = [("", tree.body)]
    while bodies:
        owner, body = bodies.pop()
        for stmt in body:
            if isinstance(stmt, _FunctionNode):
                continue
            if isinstance(stmt, ast.ClassDef):
                bodies.append((f"{owner}{stmt.name}.", stmt.body))
                header = [*stmt.bases, *stmt.keywords, *stmt.decorator_list]
                found.add(f"{owner}class {stmt.name}" + "".join(ast.dump(n) for n in header))
                continue
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant):
                continue  # a docstring
            found.add(owner + ast.dump(stmt))
    return found
