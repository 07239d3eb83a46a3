"""ciopt's probe: a pytest plugin loaded into the client's interpreter with ``-p ciopt_probe``.

Stdlib only; never installed. It records each test's outcome by node id and where the target
modules were imported from, and writes them as JSON to ``$CIOPT_PROBE_OUT`` when the session ends.
A target module that cannot be imported is reported with its error and ``where``: the file (relative
to the worktree) and line of the failing import's last frame inside the worktree.

In benchmark processes it also fixes the conditions of the measurement once collection is done:
``$CIOPT_GC_FREEZE`` moves everything imported and collected so far out of the garbage collector's
reach (both sides then collect only what the benchmark allocates); ``$CIOPT_PIN_CPU`` pins the
process to one CPU; ``$CIOPT_BARRIER`` (a folder) makes the two sides of a duet round wait for
each other, so their benchmarks share the CPU at the same time.
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

_outcomes: dict[str, str] = {}
_setup: dict[str, Any] = {}
BARRIER_TIMEOUT = 60.0


def pytest_collection_finish(session: Any) -> None:
    cpu = os.environ.get("CIOPT_PIN_CPU")
    if cpu and hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {int(cpu)})
            _setup["pinned_cpu"] = int(cpu)
        except (OSError, ValueError) as exc:
            _setup["pin_error"] = str(exc)
    if os.environ.get("CIOPT_GC_FREEZE"):
        gc.collect()
        gc.freeze()
        _setup["gc"] = {"enabled": gc.isenabled(), "threshold": list(gc.get_threshold())}
    barrier = os.environ.get("CIOPT_BARRIER")
    if barrier:
        parties = int(os.environ.get("CIOPT_BARRIER_PARTIES", "2"))
        _setup["waited_s"] = _wait(Path(barrier), parties)


def _wait(folder: Path, parties: int) -> float:
    start = time.monotonic()
    # not the pid alone: each side of a sandboxed duet has a PID namespace of its own
    (folder / f"ready-{os.getpid()}-{os.urandom(6).hex()}").touch()
    while len(list(folder.glob("ready-*"))) < parties:
        if time.monotonic() - start > BARRIER_TIMEOUT:
            break
        time.sleep(0.001)
    return time.monotonic() - start


def pytest_runtest_logreport(report: Any) -> None:
    if report.when == "call" or (report.when == "setup" and not report.passed):
        _outcomes[report.nodeid] = report.outcome
    elif report.when == "teardown" and report.failed:
        _outcomes[report.nodeid] = "failed"


def pytest_collectreport(report: Any) -> None:
    if report.failed:
        _outcomes[report.nodeid or "<collection>"] = "error"


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    out = os.environ.get("CIOPT_PROBE_OUT")
    if not out:
        return
    modules: dict[str, dict[str, str | None]] = {}
    for name in filter(None, os.environ.get("CIOPT_PROBE_MODULES", "").split(",")):
        try:
            module = sys.modules.get(name) or importlib.import_module(name)
        except Exception as exc:  # the client's import error, reported as data
            error = f"{type(exc).__name__}: {exc}"
            modules[name] = {"file": None, "error": error, "where": _where(exc)}
            continue
        modules[name] = {"file": getattr(module, "__file__", None)}
    data = {
        "exitstatus": int(exitstatus),
        "tests": _outcomes,
        "modules": modules,
        "args": [_relative(arg) for arg in session.config.args],  # what was collected
        "python": sys.executable,
        "version": sys.version.split()[0],
        "setup": _setup,
    }
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(data, fh)


def _relative(arg: str) -> str:
    """A collection argument (testpaths when none was given) relative to the worktree."""
    path, sep, rest = str(arg).partition("::")
    if os.path.isabs(path):
        path = os.path.relpath(path, os.getcwd())
    return path + sep + rest


def _where(exc: BaseException) -> str | None:
    """``path:line`` of the last frame of ``exc`` inside the working folder (the worktree): for a
    ``SyntaxError``, the line that does not parse."""
    root = os.path.realpath(os.getcwd())
    frames = [(f.filename, f.lineno) for f in traceback.extract_tb(exc.__traceback__)]
    if isinstance(exc, SyntaxError) and exc.filename:
        frames.append((exc.filename, exc.lineno))
    for filename, lineno in reversed(frames):
        path = "" if filename.startswith("<") else os.path.realpath(filename)  # <frozen ...>
        if path.startswith(root + os.sep):
            return f"{os.path.relpath(path, root)}:{lineno}"
    return None
