"""ciopt's replayer: runs recorded (or generated) calls through the code of one worktree.

Stdlib only; run by the client's interpreter in the worktree whose code is judged::

    python ciopt_replay.py OUT.jsonl --calls rec=recording.pkl --calls gen=generated.pkl \
        --only pkg.mod:func --timeout 5 --seed 0

Every call starts from freshly unpickled arguments, with ``random`` (and numpy's legacy
generator, when numpy is loaded) seeded, under a per-call time limit. Its outcome is one JSON
line, written and flushed at once, so a replay that crashes still leaves what it did:
``{"id", "target", "outcome", "value", "after"}``, the outcome one of return, raise, timeout,
missing (the function is gone), unloadable (its arguments), budget (``--budget`` was spent) or
skipped (``--skip``: it timed out on the baseline already),
with values normalised by ``ciopt_values`` (iterators drained inside the time limit).
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import pickle
import random
import signal
import sys
import time
from typing import Any

import ciopt_values  # type: ignore[import-not-found]  # beside this file at run time


class _Timeout(BaseException):
    """Raised in the replayed code when its time is up (not an Exception: code cannot eat it)."""


def _alarm(signum: int, frame: Any) -> None:
    raise _Timeout


def resolve(key: str) -> Any:
    """The plain function behind ``module:qualname`` (static and class methods unwrapped)."""
    module_name, _, qualname = key.partition(":")
    owner: Any = importlib.import_module(module_name)
    *outer, name = qualname.split(".")
    for part in outer:
        owner = getattr(owner, part)
    raw = inspect.getattr_static(owner, name)
    if isinstance(raw, (staticmethod, classmethod)):
        raw = raw.__func__
    elif isinstance(raw, property):
        raw = raw.fget
    return getattr(raw, "__ciopt_recorded__", raw)


def _seed(seed: int) -> None:
    random.seed(seed)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        try:
            numpy.random.seed(seed)
        except Exception:  # not the numpy we know: leave it
            return


def replay_call(func: Any, blob: bytes, timeout: float, seed: int) -> dict[str, Any]:
    try:
        args, kwargs = pickle.loads(blob)  # noqa: S301 - ciopt's own recording of this client
    except Exception as exc:
        return {"outcome": "unloadable", "value": f"{type(exc).__name__}: {exc}"}
    _seed(seed)
    started = time.perf_counter()
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        try:
            result = ciopt_values.normalize(func(*args, **kwargs))
            outcome = "return"
        except _Timeout:
            raise
        except BaseException as exc:
            result = ciopt_values.normalize(exc)
            outcome = "raise"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
    except _Timeout:
        return {"outcome": "timeout", "value": timeout}
    seconds = time.perf_counter() - started
    after = ciopt_values.normalize([list(args), kwargs])
    return {"outcome": outcome, "value": result, "after": after, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--calls", action="append", default=[], help="TAG=FILE")
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--timeout", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--budget", type=float, default=120.0, help="seconds for all calls")
    parser.add_argument("--skip", help="a file of call ids not to run (they time out)")
    opts = parser.parse_args(argv)
    skip = set()
    if opts.skip:
        with open(opts.skip, encoding="utf-8") as fh:
            skip = set(fh.read().split())
    deadline = time.monotonic() + opts.budget
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    signal.signal(signal.SIGALRM, _alarm)
    with open(opts.out, "w", encoding="utf-8") as out:
        for spec in opts.calls:
            tag, _, path = spec.partition("=")
            with open(path, "rb") as fh:
                recording = pickle.load(fh)  # noqa: S301 - written by ciopt for this run
            for key, entry in recording["targets"].items():
                if opts.only and key not in opts.only:
                    continue
                try:
                    func = resolve(key)
                except Exception as exc:
                    func, missing = None, f"{type(exc).__name__}: {exc}"
                for number, call in enumerate(entry["calls"]):
                    line: dict[str, Any] = {"id": f"{tag}:{number}", "target": key}
                    if func is None:
                        line.update(outcome="missing", value=missing)
                    elif f"{key}/{line['id']}" in skip:
                        line.update(outcome="skipped", value="timed out on the baseline")
                    elif time.monotonic() > deadline:
                        line.update(outcome="budget", value=opts.budget)
                    else:
                        line.update(replay_call(func, call["args"], opts.timeout, opts.seed))
                    out.write(json.dumps(line, sort_keys=True) + "\n")
                    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
