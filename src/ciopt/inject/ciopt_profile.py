"""ciopt's profiler: ``python ciopt_profile.py OUT.json ROOT -- <pytest args>``. Stdlib only.

Runs pytest under cProfile in the client's interpreter and writes the hottest functions defined
under ROOT (the worktree) as JSON, so ciopt never reads a version-specific pstats file.
"""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import sys

import pytest


def main(argv: list[str]) -> int:
    out, root, sep, *args = argv
    assert sep == "--", "usage: ciopt_profile.py OUT ROOT -- PYTEST_ARGS"

    root = os.path.realpath(root)
    profiler = cProfile.Profile()
    code = profiler.runcall(pytest.main, args)
    stats = pstats.Stats(profiler)
    rows = []
    for (filename, lineno, func), (_cc, ncalls, tottime, cumtime, _callers) in stats.stats.items():  # type: ignore[attr-defined]
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
    with open(out, "w", encoding="utf-8") as fh:
        json.dump({"exitstatus": int(code), "functions": rows[:25]}, fh)
    return int(code)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
