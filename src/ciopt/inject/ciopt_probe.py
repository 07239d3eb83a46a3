"""ciopt's probe: a pytest plugin loaded into the client's interpreter with ``-p ciopt_probe``.

Stdlib only; never installed. It records each test's outcome by node id and where the target
modules were imported from, and writes them as JSON to ``$CIOPT_PROBE_OUT`` when the session ends.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from typing import Any

_outcomes: dict[str, str] = {}


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
            modules[name] = {"file": None, "error": f"{type(exc).__name__}: {exc}"}
            continue
        modules[name] = {"file": getattr(module, "__file__", None)}
    data = {
        "exitstatus": int(exitstatus),
        "tests": _outcomes,
        "modules": modules,
        "python": sys.executable,
        "version": sys.version.split()[0],
    }
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
