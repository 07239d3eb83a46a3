"""The ranking of ``ciopt discover``: the project's functions in a profile of its benchmarks,
named as targets and ranked by their share of the benchmark time. No process is run here.

cProfile names a code object by (file, first line, name); ``CodeNames`` maps that to a target
with ``ast``, as a request names it and replay can call it (``changed_functions`` names them so
too): a function or method by its qualname (``func``, ``Class.method``); a nested function, a
lambda, a comprehension or a class defined in a function by the outermost function enclosing it
that can be called from outside; a module or a class body by nothing.

A target's numbers (``ciopt.verdict.HotFunction``), from its code objects' (the profile's rows,
``inject/ciopt_profile.py --discover``): its time including callees is its own function's
cumulative time; its own time is that, less the time of the project's other functions called
from any of its code objects (never below their summed self time). The time of a project
function that library code calls back (``map(f, ...)``, ``sorted(key=f)``) is counted in both.
A function whose own time is less than ``MIN_SHARE`` of the benchmark time is left out.
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

from ciopt.request import TARGET
from ciopt.verdict import Discovery, HotFunction
from ciopt.verify import definitions

__all__ = ["MIN_SHARE", "CodeNames", "Named", "rank"]

MIN_SHARE = 0.005  # half a percent of the benchmark time: less is negligible

Key = tuple[str, int, str]  # a code object: file, first line, name


@dataclass(frozen=True)
class Named:
    qualname: str  # the target's: the function that can be called from outside
    entry: bool  # the code object is that function's own, not code nested in it


class CodeNames:
    """The targets of the code objects of one source file."""

    def __init__(self, source: str) -> None:
        """Raises ``SyntaxError`` (or ``ValueError``) when ``source`` does not parse."""
        self._exact: dict[tuple[int, str], Named | None] = {}
        self._functions: list[tuple[int, int, Named]] = []  # first line, last line, name
        for names, is_function, node in definitions(ast.parse(source)):
            assert isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
            first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
            named = None
            if True in is_function:  # a function, or a class inside one
                outer = names[: is_function.index(True) + 1]
                named = Named(".".join(outer), entry=len(outer) == len(names))
            if is_function[-1] and named is not None:
                self._functions.append((first, node.end_lineno or node.lineno, named))
            # the def's line, and since Python 3.8 the first decorator's (co_firstlineno)
            self._exact[(node.lineno, node.name)] = self._exact[(first, node.name)] = named
        self._functions.sort(key=lambda f: f[1] - f[0])  # the innermost first

    def name(self, line: int, co_name: str) -> Named | None:
        """The target that the code object named ``co_name`` starting at ``line`` is part of."""
        if co_name == "<module>":
            return None
        if (line, co_name) in self._exact:
            return self._exact[(line, co_name)]
        # a lambda or comprehension (<lambda>, <genexpr>, <listcomp>): the function around it
        around = next((n for first, last, n in self._functions if first <= line <= last), None)
        return Named(around.qualname, entry=False) if around else None


def rank(
    profile: Mapping[str, Any],
    root: Path,
    *,
    bench: Sequence[str],
    top: int,
    base: str | None = None,
    min_share: float = MIN_SHARE,
) -> Discovery:
    """The project's functions in ``profile`` (as ``ciopt_profile.py --discover`` wrote it for
    the worktree ``root``), ranked by own share then share including callees; the first
    ``top`` of those not negligible are the targets."""
    groups: dict[str, list[dict[str, Any]]] = {}
    entries: set[Key] = set()
    files: dict[str, CodeNames | None] = {}
    for row in profile.get("functions", []):
        path = PurePath(row["file"]).as_posix()
        if path not in files:
            files[path] = _names(root / path)
        names = files[path]
        named = names.name(row["line"], row["function"]) if names else None
        spec = f"{path}::{named.qualname}" if named else ""
        if named is None or not TARGET.match(spec):
            continue  # not a function a request can name
        groups.setdefault(spec, []).append(row)
        if named.entry:
            entries.add(_key(row))
    bench_s = float(profile.get("bench_s") or 0.0)
    hot = [_hot(spec, rows, entries, bench_s) for spec, rows in groups.items()]
    hot.sort(key=lambda h: (-h.own_share, -h.cum_share, h.target))
    kept = [h for h in hot if h.own_share >= min_share]
    return Discovery(
        base=base,
        bench=list(bench),
        bench_s=bench_s,
        tests=int(profile.get("tests") or 0),
        top=top,
        min_share=min_share,
        targets=[h.target for h in kept[:top]],
        rows=kept,
        negligible=len(hot) - len(kept),
    )


def _hot(spec: str, rows: list[dict[str, Any]], entries: set[Key], bench_s: float) -> HotFunction:
    inside = {_key(row) for row in rows}
    own_defs = [row for row in rows if _key(row) in entries]
    if own_defs:
        cum_s = sum(row["cumtime_s"] for row in own_defs)
        calls = sum(row["calls"] for row in own_defs)
    else:  # only code nested in it ran (a closure it returned): the calls into that code
        called = {tuple(c[:3]) for row in rows for c in row.get("callees", [])}
        outer = [row for row in rows if _key(row) not in called] or rows
        cum_s = sum(row["cumtime_s"] for row in outer)
        calls = max(row["calls"] for row in rows)
    self_s = sum(row["tottime_s"] for row in rows)
    others = sum(c[3] for row in rows for c in row.get("callees", []) if tuple(c[:3]) not in inside)
    own_s = min(cum_s, max(self_s, cum_s - others))

    def share(seconds: float) -> float:
        return seconds / bench_s if bench_s > 0 else 0.0

    return HotFunction(
        target=spec,
        calls=calls,
        own_s=own_s,
        self_s=self_s,
        cum_s=cum_s,
        own_share=share(own_s),
        cum_share=share(cum_s),
        benchmarks=sorted({test for row in rows for test in row.get("tests", [])}),
    )


def _key(row: Mapping[str, Any]) -> Key:
    return (row["file"], row["line"], row["function"])


def _names(file: Path) -> CodeNames | None:
    try:
        return CodeNames(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return None
