"""ciopt's profiler. Stdlib only; runs in the client's interpreter.

Usage: ``python ciopt_profile.py OUT.json ROOT [--lines REL.py[,REL.py...]] -- <pytest args>``.

Runs pytest under cProfile and writes the hottest functions defined under ROOT (the worktree) as
JSON, so ciopt never reads a version-specific pstats file. With ``--lines``, the same run also
times each line of the given files (paths relative to ROOT) with a ``sys.settrace`` tracer and
adds ``"lines"`` (the hottest 50) and ``"lines_total_s"`` (all their line time) to the output.

A line's time runs from its line event to the next event of its frame, so it includes the
functions it calls, except those in the traced files: they are charged to their own lines, which
keeps the times of the traced files adding up (recursion included). Time a generator spends
suspended is charged to nobody. Only the main thread is traced.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys
from collections.abc import Callable
from time import perf_counter
from types import CodeType, FrameType
from typing import Any

import pytest

USAGE = "usage: ciopt_profile.py OUT ROOT [--lines REL.py[,REL.py...]] -- PYTEST_ARGS"

Tracer = Callable[[FrameType, str, Any], Any]


class LineTimer:
    """Hits and seconds per (file, line) of the traced files; ``files`` maps realpath -> label."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files
        self.stats: dict[tuple[str, int], list[float]] = {}  # -> [hits, seconds]
        self._labels: dict[CodeType, str | None] = {}
        self._stack: list[list[Any]] = []  # [frame, label, current line or 0], innermost last
        self._last = 0.0

    def start(self) -> None:
        sys.settrace(self._global)

    def stop(self) -> None:
        sys.settrace(None)
        self._stack.clear()

    def rows(self) -> list[dict[str, Any]]:
        ranked = sorted(self.stats.items(), key=lambda kv: (-kv[1][1], kv[0]))
        return [
            {"file": file, "line": line, "hits": int(hits), "time_s": seconds}
            for (file, line), (hits, seconds) in ranked
        ]

    def _label(self, code: CodeType) -> str | None:
        try:
            return self._labels[code]
        except KeyError:
            label = self.files.get(os.path.realpath(code.co_filename))
            self._labels[code] = label
            return label

    def _charge(self, now: float) -> None:
        if self._stack:
            _frame, label, line = self._stack[-1]
            if line:
                entry = self.stats.setdefault((label, line), [0, 0.0])
                entry[1] += now - self._last

    def _global(self, frame: FrameType, event: str, arg: Any) -> Tracer | None:
        label = self._label(frame.f_code)
        if label is None:
            return None
        self._charge(perf_counter())
        self._stack.append([frame, label, 0])
        self._last = perf_counter()
        return self._local

    def _local(self, frame: FrameType, event: str, arg: Any) -> Tracer | None:
        self._charge(perf_counter())
        stack = self._stack
        if event == "line":
            if stack and stack[-1][0] is frame:
                top = stack[-1]
                top[2] = frame.f_lineno
                self.stats.setdefault((top[1], top[2]), [0, 0.0])[0] += 1
        elif event == "return":
            while stack and stack.pop()[0] is not frame:
                pass
        self._last = perf_counter()
        return self._local


def parse(argv: list[str]) -> tuple[str, str, list[str], list[str]]:
    """OUT, ROOT, the files to time line by line and pytest's arguments."""
    if len(argv) < 3:
        raise SystemExit(USAGE)
    out, root, *rest = argv
    lines: list[str] = []
    if rest[:1] == ["--lines"] and len(rest) > 1:
        lines = [p for p in rest[1].split(",") if p]
        rest = rest[2:]
    if rest[:1] != ["--"]:
        raise SystemExit(USAGE)
    return out, root, lines, rest[1:]


def function_rows(profiler: cProfile.Profile, root: str) -> list[dict[str, Any]]:
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, lineno, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        # built-ins ("~") and code with no file ("<frozen importlib._bootstrap>", "<string>"):
        # realpath() would land them under a ROOT that is the cwd
        if filename == "~" or filename.startswith("<"):
            continue
        path = os.path.realpath(filename)
        if not path.startswith(root + os.sep):
            continue
        rel = os.path.relpath(path, root)
        if rel.split(os.sep)[0] in ("tests", "benchmarks") or "conftest" in rel:
            continue
        rows.append(
            {
                "file": rel,
                "line": lineno,
                "function": func,
                "calls": ncalls,
                "tottime_s": tottime,
                "cumtime_s": cumtime,
            }
        )
    rows.sort(key=lambda r: r["tottime_s"], reverse=True)
    return rows


def main(argv: list[str]) -> int:
    out, root, lines, args = parse(argv)
    root = os.path.realpath(root)
    timer = LineTimer({os.path.realpath(os.path.join(root, p)): p for p in lines})
    profiler = cProfile.Profile()
    if lines:
        timer.start()
        try:
            code = profiler.runcall(pytest.main, args)
        finally:
            timer.stop()
    else:
        code = profiler.runcall(pytest.main, args)
    result: dict[str, Any] = {
        "exitstatus": int(code),
        "functions": function_rows(profiler, root)[:25],
    }
    if lines:
        rows = timer.rows()
        result["lines"] = rows[:50]
        result["lines_total_s"] = sum(r["time_s"] for r in rows)
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
