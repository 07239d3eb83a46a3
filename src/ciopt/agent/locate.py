"""Where a function or method is defined in a source file, by its qualified name, through the AST.

Line numbers here are indices into ``source_lines(text)``: line ``n`` of the AST is index ``n-1``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["DEFS", "FUNCS", "Definition", "definitions", "locate", "name_parts", "source_lines"]

FUNCS = (ast.FunctionDef, ast.AsyncFunctionDef)
DEFS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
Def = ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
Func = ast.FunctionDef | ast.AsyncFunctionDef
LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")


@dataclass(frozen=True)
class Definition:
    """One function's place in a file: its enclosing definitions, its lines, its indentation."""

    path: str
    qualname: str
    tree: ast.Module
    chain: tuple[Def, ...]  # the enclosing classes and functions, outermost first, then itself
    lines: tuple[str, ...]  # the file's lines, with their line endings
    start: int  # its first line: the first decorator's, else its def line
    head: int  # its def line
    body: int  # its body's first line
    end: int  # one past its last line
    indent: str

    @property
    def node(self) -> Func:
        node = self.chain[-1]
        assert isinstance(node, FUNCS)
        return node

    @property
    def owner(self) -> str:
        """The class it is a method of, or ""."""
        parent = self.chain[-2] if len(self.chain) > 1 else None
        return parent.name if isinstance(parent, ast.ClassDef) else ""

    @property
    def outer(self) -> str:
        """The function it is defined inside, or ""."""
        return next((d.name for d in reversed(self.chain[:-1]) if isinstance(d, FUNCS)), "")

    def signature(self) -> str:
        """Its def line(s) as they are in the file, with their indentation."""
        return "".join(self.lines[self.head : max(self.body, self.head + 1)]).rstrip()

    def first_lines(self, body_lines: int = 2) -> str:
        """Its def line(s) and the first lines of its body, up to a blank line."""
        shown = list(self.lines[self.head : max(self.body, self.head + 1)])
        for line in self.lines[max(self.body, self.head + 1) : self.end][:body_lines]:
            if not line.strip():
                break
            shown.append(line)
        return "".join(shown).rstrip()


def source_lines(text: str) -> list[str]:
    """The lines of ``text`` with their endings, split where Python splits them."""
    return LINE.findall(text)


def name_parts(qualname: str) -> list[str]:
    """``outer.<locals>.inner`` -> ``["outer", "inner"]``."""
    return [part for part in qualname.split(".") if part and part != "<locals>"]


def definitions(nodes: Iterable[ast.AST]) -> Iterator[Def]:
    """The classes and functions defined among ``nodes``, also inside if/try/with/for blocks."""
    for node in nodes:
        if isinstance(node, DEFS):
            yield node
        elif not isinstance(node, ast.expr):
            yield from definitions(ast.iter_child_nodes(node))


def locate(text: str, path: str, qualname: str) -> Definition | None:
    """The function ``qualname`` of ``text``; None when the file does not parse or lacks it."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError):
        return None
    chain: list[Def] = []
    scope: list[ast.stmt] = tree.body
    for name in name_parts(qualname):
        found = [d for d in definitions(scope) if d.name == name]
        if not found:
            return None
        chain.append(found[-1])  # the last one is the one that is called
        scope = found[-1].body
    if not chain or not isinstance(chain[-1], FUNCS):
        return None
    node, lines = chain[-1], source_lines(text)
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)]) - 1
    head = lines[node.lineno - 1]
    return Definition(
        path=path,
        qualname=qualname,
        tree=tree,
        chain=tuple(chain),
        lines=tuple(lines),
        start=first,
        head=node.lineno - 1,
        body=node.body[0].lineno - 1,
        end=node.end_lineno or node.lineno,
        indent=head[: len(head) - len(head.lstrip(" \t"))],
    )
