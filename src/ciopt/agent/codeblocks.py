"""The code blocks of a reply, parsed, and their statements re-indented to where they go.

A block is a fenced one (``fences``), or, when the reply has no fence, the code it starts with a
def line and runs until it no longer parses. A block is dedented before it is parsed, so a method
given at its own indentation reads like one given at column 0.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

from ciopt.agent.fences import fences, prose
from ciopt.agent.locate import DEFS

__all__ = ["Code", "Reading", "read_code", "span"]

STARTS_DEF = re.compile(r"[ \t]*(?:@\w|(?:async[ \t]+)?def[ \t]+\w+[ \t]*\()")
IMPORT_LINE = re.compile(r"[ \t]*(?:import[ \t]+\w|from[ \t]+[\w.]+[ \t]+import[ \t])")
MAX_TRIES = 200  # parses tried to find where unfenced code ends


@dataclass(frozen=True)
class Code:
    """One code block of the reply: its lines as written, dedented, and parsed."""

    raw: tuple[str, ...]
    lines: tuple[str, ...]
    tree: ast.Module

    def text(self, node: ast.stmt, indent: str) -> list[str]:
        """The lines of ``node`` (from its first decorator), its own indentation made
        ``indent``; the inner lines of multi-line strings (docstrings aside) stay as written, so
        that their values do not change."""
        start, end = span(node)
        own = self.lines[node.lineno - 1][: node.col_offset]
        keep = _inside_strings(node)
        lines = []
        for k in range(start, end):
            line = self.lines[k]
            if k + 1 in keep:
                lines.append(self.raw[k])
            elif not line.strip():
                lines.append("")
            else:
                lines.append(indent + (line[len(own) :] if line.startswith(own) else line.lstrip()))
        return lines


@dataclass(frozen=True)
class Reading:
    codes: list[Code]  # the blocks that parse
    broken: list[tuple[str, Exception]]  # those that do not, with why
    prose: str  # the text around the blocks


def read_code(reply: str) -> Reading:
    """The reply's code blocks (JSON fences aside) and the prose around them."""
    bodies = [f.body for f in fences(reply) if f.language != "json"]
    outside = prose(reply)
    if not bodies and (unfenced := _unfenced(reply)) is not None:
        bodies, outside = [unfenced[0]], unfenced[1]
    reading = Reading([], [], outside)
    for body in bodies:
        dedented = textwrap.dedent(body)
        try:
            tree = ast.parse(dedented)
        except (SyntaxError, ValueError) as exc:
            reading.broken.append((body, exc))
            continue
        reading.codes.append(Code(tuple(body.split("\n")), tuple(dedented.split("\n")), tree))
    return reading


def span(node: ast.stmt) -> tuple[int, int]:
    """Indices of a statement's first line (its first decorator's) and one past its last."""
    decorators = node.decorator_list if isinstance(node, DEFS) else []
    return min([node.lineno, *(d.lineno for d in decorators)]) - 1, node.end_lineno or node.lineno


def _unfenced(reply: str) -> tuple[str, str] | None:
    """Code given without a fence: from its first import or def line to where it parses."""
    lines = reply.split("\n")
    start = next((i for i, line in enumerate(lines) if STARTS_DEF.match(line)), None)
    if start is None:
        return None
    while start > 0 and (IMPORT_LINE.match(lines[start - 1]) or not lines[start - 1].strip()):
        start -= 1
    for end in range(len(lines), max(start, len(lines) - MAX_TRIES), -1):
        chunk = "".join(line + "\n" for line in lines[start:end])
        try:
            ast.parse(textwrap.dedent(chunk))
        except (SyntaxError, ValueError):
            continue
        around = ("\n".join(lines[:start]).strip(), "\n".join(lines[end:]).strip())
        return chunk, "\n\n".join(part for part in around if part)
    return None


def _inside_strings(node: ast.AST) -> set[int]:
    """Line numbers inside multi-line string literals of ``node``, docstrings left out."""
    docs = set()
    for n in ast.walk(node):
        if isinstance(n, DEFS) and n.body and isinstance(n.body[0], ast.Expr):
            docs.add(id(n.body[0].value))
    inside: set[int] = set()
    for n in ast.walk(node):
        literal = isinstance(n, ast.JoinedStr) or (
            isinstance(n, ast.Constant) and isinstance(n.value, str | bytes)
        )
        if literal and id(n) not in docs and isinstance(n, ast.expr) and n.end_lineno:
            inside.update(range(n.lineno + 1, n.end_lineno + 1))
    return inside
