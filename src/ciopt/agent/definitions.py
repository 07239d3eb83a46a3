"""Whole-definition replies: a function written out whole in a code block takes the old one's place.

The reply's definition of a target (found by name; a class or function of the block holding it is
looked into) replaces the target's lines as the AST gives them, from its first decorator to its
last line, re-indented to the target's indentation (``codeblocks``); the decorators and the
docstring the reply leaves out are kept. Imports of the block join the module's (``imports``);
its constants and helper functions go just before the target's top-level definition (helper
methods of a method's class just before the method), or replace the module's definition of the
same name; anything else in the block (example calls, prints, tests) is left out. The rest of the
file stays byte for byte. The result is ordinary ``Edit`` objects (``splice``).
"""

from __future__ import annotations

import ast
import copy
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

from ciopt.agent.codeblocks import Code, Reading, read_code, span
from ciopt.agent.edits import Edit, EditError
from ciopt.agent.imports import Imports, import_region, new_imports
from ciopt.agent.locate import DEFS, FUNCS, Definition, definitions, locate, name_parts
from ciopt.agent.splice import Region, region_edits

__all__ = ["definition_edits"]

Def = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
Func = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True)
class Match:
    code: Code
    top: ast.stmt  # the block's statement holding it: itself, or its class or outer function
    node: Func
    where: Definition


def definition_edits(
    reply: str, targets: Sequence[tuple[str, str]], files: Mapping[str, str]
) -> tuple[list[Edit], str]:
    """The edits putting the reply's definitions of ``targets`` (path, qualname) in place, and
    the prose around the code. No edits when the reply holds no definition at all; ``EditError``
    when its code defines other names, does not parse, or changes nothing."""
    reading = read_code(reply)
    wheres = [w for p, q in targets if p in files and (w := locate(files[p], p, q)) is not None]
    matches: dict[tuple[str, str], Match] = {}
    for code in reading.codes:
        for where in wheres:
            if (match := _find(code, where)) is not None:
                matches[where.path, where.qualname] = match  # a later block wins
    if not matches:
        _refuse(reading, targets, wheres)
        return [], reading.prose
    regions: dict[str, list[Region]] = {}
    for match in matches.values():
        regions.setdefault(match.where.path, []).append(_replacement(match))
    names = {d.name for where in wheres for d in where.chain}
    used = list(dict.fromkeys(m.code for m in matches.values()))
    for code in used:
        _extras(code, [m for m in matches.values() if m.code is code], names, regions)
    _imports([m for m in matches.values() if m.code in used], regions)
    edits = [e for path, found in regions.items() for e in region_edits(path, files[path], found)]
    if not edits:
        shown = " and ".join(f"`{m.node.name}`" for m in matches.values())
        raise EditError(
            f"the definition of {shown} you gave is the same as the current one; "
            "change it so that it runs faster"
        )
    return edits, reading.prose


def _find(code: Code, where: Definition) -> Match | None:
    """The block's last definition of ``where``: by its name, or inside a class or function
    named like one that holds it."""
    names = [d.name for d in where.chain]
    found = None
    for top in code.tree.body:
        if isinstance(top, DEFS) and (node := _follow(top, names)) is not None:
            found = Match(code, top, node, where)
    return found


def _follow(top: Def, names: list[str]) -> Func | None:
    if top.name == names[-1]:
        return top if isinstance(top, FUNCS) else None
    if top.name not in names[:-1]:
        return None
    node: Def = top
    for name in names[len(names) - 1 - names[:-1][::-1].index(top.name) :]:
        inner = [d for d in definitions(node.body) if d.name == name]
        if not inner:
            return None
        node = inner[-1]
    return node if isinstance(node, FUNCS) else None


def _replacement(match: Match) -> Region:
    where = match.where
    return _replacing(match.code, match.node, where.node, where.lines, where.indent)


def _replacing(code: Code, new: Def, old: Def, lines: tuple[str, ...], indent: str) -> Region:
    """``old``'s lines (``lines`` are its file's) made ``new``'s, at ``indent``; the decorators
    and the docstring ``new`` leaves out are ``old``'s."""
    start, end = span(old)
    kept = () if new.decorator_list else lines[start : old.lineno - 1]
    text = code.text(new, indent)
    doc = _docstring(old)
    own_lines = new.body[0].lineno > new.lineno  # the new body does not start on the def line
    if doc is not None and doc.lineno > old.lineno and _docstring(new) is None and own_lines:
        at = new.body[0].lineno - 1 - span(new)[0]
        was = [line.rstrip("\r\n") for line in lines[doc.lineno - 1 : doc.end_lineno]]
        text[at:at] = _shifted(was, _indent(was[0]), _indent(text[at]))
    return Region(start, end, (*(line.rstrip("\r\n") for line in kept), *text))


def _docstring(node: Def) -> ast.expr | None:
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
        return first.value if isinstance(first.value.value, str) else None
    return None


def _shape(node: ast.stmt) -> str:
    """``node``'s AST, a definition's docstring left out: what tells copies apart."""
    if isinstance(node, DEFS) and _docstring(node) is not None:
        node = copy.copy(node)
        node.body = node.body[1:]
    return ast.dump(node)


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _shifted(lines: list[str], old: str, new: str) -> list[str]:
    return [new + line[len(old) :] if line.startswith(old) else line for line in lines]


def _extras(
    code: Code, matches: list[Match], names: set[str], out: dict[str, list[Region]]
) -> None:
    """The block's constants and helpers, placed near the first of its definitions in the file."""
    used = {id(m.top) for m in matches}
    first = matches[0].where.path
    anchor = min((m.where for m in matches if m.where.path == first), key=lambda w: w.start)
    module: list[ast.stmt] = []
    members: list[ast.stmt] = []
    for stmt in code.tree.body:
        if id(stmt) in used:
            continue
        if isinstance(stmt, DEFS) and stmt.name not in names:
            (members if anchor.owner and _is_method(stmt) else module).append(stmt)
        elif isinstance(stmt, ast.Assign | ast.AnnAssign) and not _mentions(stmt, names):
            module.append(stmt)
    regions = out.setdefault(first, [])
    if members:
        owner = anchor.chain[-2]
        assert isinstance(owner, ast.ClassDef)
        regions += _placed(code, members, owner.body, anchor.node, anchor, anchor.indent)
    if module:
        regions += _placed(code, module, anchor.tree.body, anchor.chain[0], anchor, "")


def _placed(
    code: Code,
    stmts: list[ast.stmt],
    scope: list[ast.stmt],
    before: ast.stmt,
    where: Definition,
    indent: str,
) -> Iterator[Region]:
    """``stmts`` in ``scope``: a definition of a name the scope defines replaces it; the others
    go just before ``before``. Left out: what the scope holds already (docstrings aside), and
    assignments to names it assigns (copies of the context, not the change)."""
    existing = {d.name: d for d in scope if isinstance(d, DEFS)}
    present = {_shape(s) for s in scope}
    assigned = {
        name for s in scope if isinstance(s, ast.Assign | ast.AnnAssign) for name in _names(s)
    }
    blank = [""] * (2 if not indent else 1)
    new: list[str] = []
    after_def = False
    for stmt in stmts:
        if _shape(stmt) in present or _names(stmt) & assigned:
            continue
        old = existing.get(stmt.name) if isinstance(stmt, DEFS) else None
        if old is not None and isinstance(stmt, DEFS):
            yield _replacing(code, stmt, old, where.lines, indent)
            continue
        if new and (isinstance(stmt, DEFS) or after_def):
            new += blank
        new += code.text(stmt, indent)
        after_def = isinstance(stmt, DEFS)
    if new:
        start = span(before)[0]
        yield Region(start, start, tuple(new + blank))


def _imports(matches: list[Match], out: dict[str, list[Region]]) -> None:
    """The blocks' imports the modules lack, after their last top-level import."""
    by_path: dict[str, tuple[Definition, list[tuple[Code, Imports]]]] = {}
    for match in matches:
        entry = by_path.setdefault(match.where.path, (match.where, []))
        for stmt in match.code.tree.body:
            if isinstance(stmt, Imports) and (match.code, stmt) not in entry[1]:
                entry[1].append((match.code, stmt))
    for path, (where, given) in by_path.items():
        if new := new_imports(where.tree, given):
            out.setdefault(path, []).append(import_region(where.tree, where.lines, new))


def _is_method(stmt: Def) -> bool:
    if isinstance(stmt, ast.ClassDef):
        return False
    wrapped = {d.id for d in stmt.decorator_list if isinstance(d, ast.Name)}
    first = stmt.args.posonlyargs + stmt.args.args
    return bool(wrapped & {"staticmethod", "classmethod", "property"}) or (
        bool(first) and first[0].arg in ("self", "cls")
    )


def _names(stmt: ast.stmt) -> set[str]:
    """The names an assignment binds."""
    if not isinstance(stmt, ast.Assign | ast.AnnAssign):
        return set()
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


def _mentions(stmt: ast.stmt, names: set[str]) -> bool:
    return any(isinstance(n, ast.Name) and n.id in names for n in ast.walk(stmt))


def _refuse(reading: Reading, targets: Sequence[tuple[str, str]], wheres: list[Definition]) -> None:
    """Raise the reason no code block gives a target's definition; return when none tries to."""
    expected = list(dict.fromkeys(name_parts(q)[-1] for _, q in targets if name_parts(q)))
    for body, exc in reading.broken:
        for name in expected:
            if re.search(rf"\bdef\s+{re.escape(name)}\b", body):
                where = f"line {exc.lineno}: {exc.msg}" if isinstance(exc, SyntaxError) else exc
                raise EditError(
                    f"the code block with `def {name}` is not valid Python ({where}); "
                    "give the whole definition again, complete and consistently indented"
                )
    defined = list(
        dict.fromkeys(s.name for c in reading.codes for s in c.tree.body if isinstance(s, DEFS))
    )
    found = {w.node.name for w in wheres}
    for path, qualname in targets:
        name = name_parts(qualname)[-1] if name_parts(qualname) else qualname
        if name in defined and name not in found:
            raise EditError(
                f"`{qualname}` could not be found in `{path}` to replace it; "
                "give SEARCH/REPLACE edits of the file instead"
            )
    if defined and expected:
        want = " or ".join(f"`{n}`" for n in expected)
        path = targets[0][0]
        raise EditError(
            f"the code block defines {', '.join(f'`{n}`' for n in defined)}, not {want}: give the "
            f"whole new definition of {want} under that same name (`def {expected[0]}(...)`), so "
            f"that it takes the place of the current one in `{path}`"
        )
