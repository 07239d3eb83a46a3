"""ciopt's profiler. Stdlib only; runs in the client's interpreter.

Usage: ``python ciopt_profile.py OUT.json ROOT [--lines REL.py[,REL.py...] | --discover] --
<pytest args>``.

Runs pytest under cProfile and writes the hottest functions of the project's own code under ROOT
(the worktree) as JSON, so ciopt never reads a version-specific pstats file. The project's own
code leaves out tests, benchmarks, conftest files, virtualenvs and anything installed
(``site-packages``, hidden folders such as ``.venv``) and the standard library (``own_file``).
With ``--lines``, the same run also times each line of the given files (paths relative to ROOT)
with a ``sys.settrace`` tracer and adds ``"lines"`` (the hottest 50) and ``"lines_total_s"`` (all
their line time) to the output.

With ``--discover`` (``ciopt discover``), the profiler runs only while the test functions
themselves run (not collection, imports, fixtures or pytest's own work), and the output holds
every function of the project's own code that ran (``discover_rows``: also the project's
functions each one called), ``"bench_s"`` (the summed cumulative time of the test functions: the
benchmark time) and ``"tests"`` (how many were called).

A line's time runs from its line event to the next event of its frame, so it includes the
functions it calls, except those in the traced files: they are charged to their own lines, which
keeps the times of the traced files adding up (recursion included). Time a generator spends
suspended is charged to nobody. Only the main thread is traced.
"""

from __future__ import annotations

import cProfile
import inspect
import json
import os
import pstats
import sys
import sysconfig
from collections.abc import Callable, Generator
from time import perf_counter
from types import CodeType, FrameType
from typing import Any

import pytest

USAGE = "usage: ciopt_profile.py OUT ROOT [--lines REL.py[,REL.py...] | --discover] -- PYTEST_ARGS"

Tracer = Callable[[FrameType, str, Any], Any]
Key = tuple[str, int, str]  # pstats' (file, first line, name) of a code object

# folders whose code is not the project's own: tests and benchmarks, virtualenvs, installs
NOT_OWN_DIRS = frozenset(
    {"tests", "test", "benchmarks", "site-packages", "dist-packages", "venv", "virtualenv"}
)
STDLIB = tuple(
    {os.path.realpath(sysconfig.get_paths()[k]) + os.sep for k in ("stdlib", "platstdlib")}
)
DISCOVER_ROWS = 500  # most rows ``--discover`` writes, the hottest by cumulative time


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


class TestCalls:
    """A pytest plugin: the profiler on only while each test function runs (``--discover``)."""

    __test__ = False  # a plugin, not tests

    def __init__(self, profiler: cProfile.Profile) -> None:
        self.profiler = profiler
        self.codes: set[Key] = set()  # the test functions' own code
        self.ran: dict[Key, set[str]] = {}  # every function called: the tests it ran in
        self._counts: dict[Key, int] = {}  # calls of each, when the last test ended
        self.calls = 0
        self.unnamed = 0  # calls of a test that is not a Python function
        self.seconds = 0.0  # wall time, for a test function the profile cannot name

    @pytest.hookimpl(hookwrapper=True)
    def pytest_pyfunc_call(self, pyfuncitem: Any) -> Generator[None, None, None]:
        code = getattr(inspect.unwrap(pyfuncitem.obj), "__code__", None)
        if isinstance(code, CodeType):
            self.codes.add((code.co_filename, code.co_firstlineno, code.co_name))
        else:
            self.unnamed += 1
        self.calls += 1
        start = perf_counter()
        self.profiler.enable()
        try:
            yield
        finally:
            self.profiler.disable()
            self.seconds += perf_counter() - start
            self._mark(str(pyfuncitem.nodeid))

    def _mark(self, test: str) -> None:
        """The functions whose calls grew during ``test``: it ran them (its own record, as the
        profile's call graph merges the tests that share a caller, such as a fixture)."""
        counts = {key: row[1] for key, row in _stats(self.profiler).items()}
        for key, calls in counts.items():
            if calls > self._counts.get(key, 0):
                self.ran.setdefault(key, set()).add(test)
        self._counts = counts


def split_mode(argv: list[str]) -> tuple[bool, list[str]]:
    """Whether ``--discover`` follows OUT and ROOT, and the arguments without it."""
    if argv[2:3] == ["--discover"]:
        return True, [*argv[:2], *argv[3:]]
    return False, argv


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


def own_file(filename: str, root: str) -> str | None:
    """``filename`` relative to ``root`` when it is the project's own code, else None.

    Not the project's own: built-ins (``~``) and code with no file (``<frozen ...>``,
    ``<string>``), files outside ``root`` or in the standard library, test modules
    (``conftest.py``, ``test_*.py``, ``*_test.py``) and anything in a folder named ``tests``,
    ``test``, ``benchmarks``, ``site-packages``, ``dist-packages``, ``venv`` or ``virtualenv``, in
    a hidden folder (``.venv``, ``.tox``) or in a virtualenv (a folder holding ``pyvenv.cfg``).
    """
    # realpath() would land "~" and "<...>" under a ROOT that is the cwd
    if filename == "~" or filename.startswith("<"):
        return None
    path = os.path.realpath(filename)
    if not path.startswith(root + os.sep) or path.startswith(STDLIB):
        return None
    rel = os.path.relpath(path, root)
    *folders, name = rel.split(os.sep)
    if name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py"):
        return None
    if any(f in NOT_OWN_DIRS or f.startswith(".") for f in folders):
        return None
    if any(_is_venv(os.path.join(root, *folders[: i + 1])) for i in range(len(folders))):
        return None
    return rel


_VENVS: dict[str, bool] = {}


def _is_venv(folder: str) -> bool:
    if folder not in _VENVS:
        _VENVS[folder] = os.path.isfile(os.path.join(folder, "pyvenv.cfg"))
    return _VENVS[folder]


def function_rows(profiler: cProfile.Profile, root: str) -> list[dict[str, Any]]:
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, lineno, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        rel = own_file(filename, root)
        if rel is None:
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


def discover_rows(
    profiler: cProfile.Profile, root: str, tests: dict[Key, set[str]] | None = None
) -> list[dict[str, Any]]:
    """Every function of the project's own code in the profile, the hottest first by
    cumulative time, each with ``callees``: the project's own functions it called directly (not
    itself), as ``[file, line, function, cumtime_s]``, so ciopt can tell its own time (the
    library and built-in code it calls included) from that of the project's other functions;
    and ``tests``: the node ids of the tests it ran in (``tests``: by function), so a run
    of it can measure just those."""
    stats = _stats(profiler)
    tests = tests or {}
    own = {key: rel for key in stats if (rel := own_file(key[0], root)) is not None}
    callees: dict[Key, list[list[Any]]] = {}
    for callee, rel in own.items():
        for caller, (_cc, _nc, _tt, cumtime) in stats[callee][4].items():
            if caller in own and caller != callee:
                callees.setdefault(caller, []).append([rel, callee[1], callee[2], cumtime])
    rows = []
    for key, rel in own.items():
        _cc, ncalls, tottime, cumtime, _callers = stats[key]
        rows.append(
            {
                "file": rel,
                "line": key[1],
                "function": key[2],
                "calls": ncalls,
                "tottime_s": tottime,
                "cumtime_s": cumtime,
                "callees": callees.get(key, []),
                "tests": sorted(tests.get(key, ())),
            }
        )
    rows.sort(key=lambda r: (-r["cumtime_s"], r["file"], r["line"]))
    return rows[:DISCOVER_ROWS]


def _stats(profiler: cProfile.Profile) -> dict[Key, tuple[Any, ...]]:
    """pstats' table: (cc, ncalls, tottime, cumtime, callers) by code; empty when nothing ran."""
    try:
        return pstats.Stats(profiler).stats  # type: ignore[attr-defined,no-any-return]
    except TypeError:  # pstats refuses a profile that saw no call
        return {}


def bench_seconds(profiler: cProfile.Profile, calls: TestCalls) -> float:
    """The summed cumulative time of the test functions, as the profile saw them; their wall
    time when the profile cannot name them all (a test that is not a Python function)."""
    if not calls.codes or calls.unnamed:
        return calls.seconds
    stats = _stats(profiler)
    if not all(code in stats for code in calls.codes):
        return calls.seconds
    return float(sum(stats[code][3] for code in calls.codes))


def discover(out: str, root: str, args: list[str]) -> int:
    profiler = cProfile.Profile()
    calls = TestCalls(profiler)
    code = pytest.main(args, plugins=[calls])
    result = {
        "exitstatus": int(code),
        "bench_s": bench_seconds(profiler, calls),
        "tests": calls.calls,
        "functions": discover_rows(profiler, root, calls.ran),
    }
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(result, fh)
    return int(code)


def main(argv: list[str]) -> int:
    discovering, argv = split_mode(argv)
    out, root, lines, args = parse(argv)
    root = os.path.realpath(root)
    if discovering:
        return discover(out, root, args)
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
