"""What the model is told about a target beyond its source: its callers and its hot lines.

Callers are found by reading the repository's Python files with ``ast`` (never importing them);
hot lines come from the line profile ``inject/ciopt_profile.py --lines`` writes.
"""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ciopt.client import Target

__all__ = ["Caller", "HotLine", "find_callers", "read_line_profile"]

MAX_FILE_BYTES = 1_000_000
SKIP_DIRS = {"tests", "benchmarks", "build", "venv", "site-packages", "__pycache__"}
HOT_LINES = 15
MIN_SHARE = 0.01  # of the lines' total time


class Caller(BaseModel):
    """A function (or ``<module>`` code) that calls the target; ``line`` is its first call."""

    path: str
    qualname: str
    line: int
    text: str


class HotLine(BaseModel):
    """A line of the profiled files; ``share`` is its fraction of their total line time."""

    file: str
    line: int
    hits: int
    time_s: float
    share: float
    text: str


def find_callers(
    root: Path, target: Target, *, limit: int = 5, max_chars: int = 3000
) -> list[Caller]:
    """Up to ``limit`` callers of ``target`` by name: its own file first, then by path."""
    name = target.qualname.rsplit(".", 1)[-1]
    found: list[Caller] = []
    for rel in sorted(_sources(root), key=lambda p: (p != target.path, p)):
        if len(found) >= limit:
            break
        parsed = _read(root / rel, name)
        if parsed is None:
            continue
        tree, lines = parsed
        own = (target.lineno, target.end_lineno) if rel == target.path else None
        for scope, line in _calling_scopes(tree, name, own):
            text = _truncate(_scope_text(tree, lines, scope, line), max_chars)
            found.append(Caller(path=rel, qualname=_qualname(scope), line=line, text=text))
    return found[:limit]


def read_line_profile(path: Path, root: Path) -> list[HotLine]:
    """The hottest lines of the profiler's JSON with their source; [] if there is none."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows = [_Row.model_validate(r) for r in data["lines"]]
        total = float(data.get("lines_total_s") or sum(r.time_s for r in rows))
    except (OSError, ValueError, TypeError, KeyError, AttributeError, ValidationError):
        return []
    rows.sort(key=lambda r: (-r.time_s, r.file, r.line))
    lines = _SourceLines(root)
    return [
        HotLine(
            **r.model_dump(),
            share=r.time_s / total if total > 0 else 0.0,
            text=lines.get(r.file, r.line),
        )
        for r in rows[:HOT_LINES]
        if total > 0 and r.time_s / total >= MIN_SHARE  # no weight: it only lengthens the prompt
    ]


class _Row(BaseModel):
    file: str
    line: int
    hits: int
    time_s: float


class _SourceLines:
    """Lines of files under ``root``, read once each; nothing for paths that leave ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.files: dict[str, list[str]] = {}

    def get(self, rel: str, line: int) -> str:
        if rel not in self.files:
            file = (self.root / rel).resolve()
            try:
                ok = file.is_relative_to(self.root) and file.is_file()
                self.files[rel] = _lines(file.read_text(errors="replace")) if ok else []
            except OSError:
                self.files[rel] = []
        lines = self.files[rel]
        return lines[line - 1].strip() if 0 < line <= len(lines) else ""


def _sources(root: Path) -> Iterator[str]:
    """Repository-relative paths of the Python files that are neither tests nor tooling."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = [d for d in dirs if d not in SKIP_DIRS and not d.startswith(".")]
        for file in files:
            if not file.endswith(".py") or _is_test(file):
                continue
            path = Path(folder, file)
            if not path.is_symlink():
                yield path.relative_to(root).as_posix()


def _is_test(file: str) -> bool:
    return file.startswith("test_") or file.endswith("_test.py") or file == "conftest.py"


def _read(file: Path, name: str) -> tuple[ast.Module, list[str]] | None:
    """The file parsed and as lines; None if too big, unreadable, unparsable or without ``name``."""
    try:
        if file.stat().st_size > MAX_FILE_BYTES:
            return None
        data = file.read_bytes()
        if name.encode() not in data:
            return None
        tree = ast.parse(data, filename=str(file))
        return tree, _lines(data.decode("utf-8", errors="replace"))
    except (OSError, SyntaxError, ValueError, RecursionError, MemoryError):
        return None


Scope = list[ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef]


def _calling_scopes(
    tree: ast.Module, name: str, own: tuple[int, int] | None
) -> list[tuple[Scope, int]]:
    """The innermost function (or class, or module) around each call of ``name``, with its
    first call line, in source order; scopes inside the ``own`` line range are left out."""
    first: dict[tuple[int, ...], tuple[Scope, int]] = {}
    todo: list[tuple[ast.AST, Scope]] = [(tree, [])]
    while todo:  # not recursive: long expressions make deep trees
        node, scope = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            scope = [*scope, node]
        if isinstance(node, ast.Call) and _calls(node, name):
            key = tuple(id(s) for s in scope)
            if key not in first or node.lineno < first[key][1]:
                first[key] = (scope, node.lineno)
        todo.extend((child, scope) for child in ast.iter_child_nodes(node))
    calls = sorted(first.values(), key=lambda sc: (_start(sc[0], sc[1]), sc[1]))
    return [(s, line) for s, line in calls if own is None or not _within(s, line, own)]


def _calls(call: ast.Call, name: str) -> bool:
    func = call.func
    return (isinstance(func, ast.Name) and func.id == name) or (
        isinstance(func, ast.Attribute) and func.attr == name
    )


def _within(scope: Scope, line: int, own: tuple[int, int]) -> bool:
    return own[0] <= _start(scope, line) <= own[1]


def _start(scope: Scope, line: int) -> int:
    """Where the scope starts, decorators included; module-level code starts at its call."""
    if not scope:
        return line
    node = scope[-1]
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])


def _qualname(scope: Scope) -> str:
    if not scope:
        return "<module>"
    parts: list[str] = []
    for outer, node in zip([None, *scope], scope, strict=False):
        if parts and not isinstance(outer, ast.ClassDef):
            parts.append("<locals>")
        parts.append(node.name)
    return ".".join(parts)


def _scope_text(tree: ast.Module, lines: list[str], scope: Scope, line: int) -> str:
    """The caller's source: its definition, or the module-level statement holding the call."""
    node: ast.stmt
    if scope:
        node, start = scope[-1], _start(scope, line)
    else:
        node = next(s for s in tree.body if s.lineno <= line <= (s.end_lineno or s.lineno))
        start = node.lineno
    return "\n".join(lines[start - 1 : node.end_lineno or node.lineno])


def _lines(text: str) -> list[str]:
    """Lines as Python numbers them (``str.splitlines`` also splits at form feeds and more)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _truncate(text: str, max_chars: int) -> str:
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    if "\n" in head:
        head = head.rsplit("\n", 1)[0]
    return f"{head}\n# ... [truncated: {len(text) - len(head)} more characters]"
