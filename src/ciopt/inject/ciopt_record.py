"""ciopt's call recorder: a pytest plugin loaded into the client's interpreter with ``-p``.

Stdlib only; never installed. While the baseline's tests and benchmarks run, it records calls to
the functions named in ``$CIOPT_RECORD_TARGETS`` (a JSON list of ``[module, qualname]``): the
arguments pickled before the call (what replay feeds the candidate), and, normalised by
``ciopt_values``, the return value or the exception and the arguments after the call.

Before collection it replaces each target in its module or class with a recording wrapper, and
every reference to it that modules imported so far hold (``from pkg import func``). Only the
outermost call of a target is recorded (not its recursion), and nothing the recorder itself
causes (a ``__reduce__`` run by pickling, a ``__repr__``). Each call is marked ``bench`` when a
benchmark made it (a test using the ``benchmark`` fixture, or one under ``$CIOPT_RECORD_BENCH``).

Recording is bounded per target and origin, so the tests cannot crowd out the benchmarks' calls:
``$CIOPT_RECORD_MAX_CALLS`` calls and ``$CIOPT_RECORD_MAX_BYTES`` bytes of pickled arguments each,
and no more than ``TRIES_PER_CALL`` times as many calls looked at. Arguments that cannot be
pickled, are too big, or repeat an earlier call are counted, not kept. Arguments of immutable types
are not read again after the call. The recording is pickled to ``$CIOPT_RECORD_OUT`` (plain builtins
only) when the session ends.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import json
import os
import pickle
import sys
import threading
from typing import Any

import ciopt_shapes  # type: ignore[import-not-found]  # beside this file at run time
import ciopt_values  # type: ignore[import-not-found]

PROTOCOL = 4
MAX_VALUES = 5_000  # values read of one result or argument list, at most
TRIES_PER_CALL = 10  # calls pickled per call a quota keeps, before the target counts as full
_ATOMS = (int, float, complex, str, bytes, bool, type(None))


class _Quota:
    """What one origin (the tests, or the benchmarks) may keep of a target's calls."""

    def __init__(self, max_calls: int, max_bytes: int) -> None:
        self.max_calls = max_calls
        self.max_bytes = max_bytes
        self.kept = 0
        self.size = 0
        self.tries = 0  # calls looked at while not full: pickled, maybe in vain

    def full(self) -> bool:
        return (
            self.kept >= self.max_calls
            or self.size >= self.max_bytes
            or self.tries >= TRIES_PER_CALL * self.max_calls
        )


class _Target:
    def __init__(self, key: str, max_calls: int, max_bytes: int) -> None:
        self.key = key
        self.max_bytes = max_bytes
        self.quotas = {False: _Quota(max_calls, max_bytes), True: _Quota(max_calls, max_bytes)}
        self.calls: list[dict[str, Any]] = []
        self.counts = {
            "seen": 0,
            "unpicklable": 0,
            "too_large": 0,
            "duplicate": 0,
            "over": 0,
            "bench_seen": 0,
        }
        self.kept: dict[str, dict[str, Any]] = {}  # by digest of the arguments
        self.error: str | None = None
        self.lock = threading.Lock()
        self.local = threading.local()

    def snapshot(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[bytes, str] | None:
        """The call's pickled arguments and their digest, or None (and a count) when it is not
        to be kept."""
        bench = _current.bench
        quota = self.quotas[bench]
        with self.lock:
            self.counts["seen"] += 1
            self.counts["bench_seen"] += bench
            if quota.full():
                self.counts["over"] += 1
                return None
            quota.tries += 1
        try:
            blob = pickle.dumps((args, kwargs), protocol=PROTOCOL)
        except Exception:
            self.counts["unpicklable"] += 1
            return None
        digest = hashlib.sha256(blob).hexdigest()
        with self.lock:
            if digest in self.kept:  # seen before; a benchmark's input all the same
                self.counts["duplicate"] += 1
                self.kept[digest]["bench"] = self.kept[digest]["bench"] or bench
                return None
            if len(blob) > self.max_bytes // 4 or quota.size + len(blob) > quota.max_bytes:
                self.counts["too_large"] += 1
                return None
            call: dict[str, Any] = {"args": blob, "bench": bench}
            self.kept[digest] = call
            quota.kept += 1
            quota.size += len(blob)
        return blob, digest

    def keep(self, digest: str, **fields: Any) -> None:
        with self.lock:
            call = self.kept[digest]
            call.update(fields)
            self.calls.append(call)


class _Current:
    """The test running now: a benchmark's calls are kept apart from the tests'."""

    bench = False


_current = _Current()
_busy = threading.local()  # the recorder at work: pickling, describing, normalising


def _wrap(target: _Target, func: Any) -> Any:
    @functools.wraps(func)
    def recorder(*args: Any, **kwargs: Any) -> Any:
        local = target.local
        # recursion, a call made while recording this target, or the recorder's own work
        if getattr(local, "active", False) or getattr(_busy, "on", False):
            return func(*args, **kwargs)
        _busy.on = True
        try:
            taken = target.snapshot(args, kwargs)
            if taken is not None:
                shown = ciopt_shapes.shown(args, kwargs)
                shape = ciopt_shapes.describe_call(args, kwargs)  # taken before the call
        finally:
            _busy.on = False
        if taken is None:
            return func(*args, **kwargs)
        local.active = True
        try:
            result = func(*args, **kwargs)
        except BaseException as exc:
            local.active = False
            _settle(target, taken[1], shown, shape, "raise", exc, args, kwargs)
            raise
        local.active = False
        _settle(target, taken[1], shown, shape, "return", result, args, kwargs)
        return result

    recorder.__ciopt_recorded__ = func  # type: ignore[attr-defined]
    return recorder


def _settle(
    target: _Target, digest: str, shown: str, shape: Any, outcome: str, value: Any, *call: Any
) -> None:
    _busy.on = True
    try:
        fields = {"repr": shown, "shape": shape, "outcome": outcome}
        # arguments of immutable types cannot have changed: nothing to read after the call
        mutable = not all(map(_immutable, (*call[0], *call[1].values())))
        fields["value"] = _normalized(value)
        fields["after"] = _normalized([list(call[0]), call[1]]) if mutable else None
        target.keep(digest, **fields)
    finally:
        _busy.on = False


def _normalized(value: Any) -> Any:
    """What the tests saw, for replay to check itself against; None (not checked) when it cannot
    be read or is too big to read cheaply: the call is replayed and compared all the same."""
    try:
        return ciopt_values.normalize(value, consume=False, limit=MAX_VALUES)
    except Exception:
        return None


def _immutable(value: Any, depth: int = 0) -> bool:
    if type(value) in _ATOMS:
        return True
    if type(value) in (tuple, frozenset) and depth < 3 and len(value) <= 64:
        return all(_immutable(item, depth + 1) for item in value)
    return False


def _install(module_name: str, qualname: str, target: _Target) -> tuple[Any, Any] | None:
    """Replace the target with its recorder where it is defined; for a module-level function,
    the original and its recorder, to replace where other modules imported it too."""
    owner: Any = importlib.import_module(module_name)
    *outer, name = qualname.split(".")
    for part in outer:
        owner = getattr(owner, part)
    func, wrapped = _recorder(target, inspect.getattr_static(owner, name))
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        raise TypeError("async functions are not recorded")
    setattr(owner, name, wrapped)
    return None if outer else (func, wrapped)


def _recorder(target: _Target, raw: Any) -> tuple[Any, Any]:
    """The function behind ``raw`` and what replaces ``raw``: the same kind of object."""
    if isinstance(raw, (staticmethod, classmethod)):
        return raw.__func__, type(raw)(_wrap(target, raw.__func__))
    if isinstance(raw, property):
        if raw.fget is None:
            raise TypeError("a property without a getter")
        return raw.fget, raw.getter(_wrap(target, raw.fget))
    if inspect.isfunction(raw):
        return raw, _wrap(target, raw)
    if callable(raw) and not isinstance(raw, type):  # functools.lru_cache, C-level wrappers
        wrapped = _wrap(target, raw)
        for attr in ("cache_info", "cache_clear", "cache_parameters"):
            if hasattr(raw, attr):
                setattr(wrapped, attr, getattr(raw, attr))
        return raw, wrapped
    raise TypeError(f"{type(raw).__name__} is not a function")


def _rebind(replaced: dict[int, Any]) -> None:
    """Every reference that modules imported so far hold (``from pkg import func``) to an
    original in ``replaced`` (by id) now points to its recorder: one pass over all modules."""
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for attr, value in list(namespace.items()):
            wrapped = replaced.get(id(value))
            if wrapped is not None and namespace[attr] is not wrapped:
                namespace[attr] = wrapped


_targets: list[_Target] = []
_bench: list[str] = []  # the benchmarks' selectors ($CIOPT_RECORD_BENCH)


def pytest_configure(config: Any) -> None:
    wanted = json.loads(os.environ.get("CIOPT_RECORD_TARGETS", "[]"))
    max_calls = int(os.environ.get("CIOPT_RECORD_MAX_CALLS", "100"))
    max_bytes = int(os.environ.get("CIOPT_RECORD_MAX_BYTES", "4000000"))
    _bench.extend(json.loads(os.environ.get("CIOPT_RECORD_BENCH", "[]")))
    replaced: dict[int, Any] = {}
    originals = []  # held, so that no id in ``replaced`` is reused
    for module_name, qualname in wanted:
        target = _Target(f"{module_name}:{qualname}", max_calls, max_bytes)
        _targets.append(target)
        try:
            pair = _install(module_name, qualname, target)
        except Exception as exc:  # reported as data; the tests still run
            target.error = f"{type(exc).__name__}: {exc}"
            continue
        if pair is not None:
            originals.append(pair[0])
            replaced[id(pair[0])] = pair[1]
    _rebind(replaced)


def pytest_runtest_protocol(item: Any, nextitem: Any) -> None:
    nodeid = str(getattr(item, "nodeid", ""))
    _current.bench = "benchmark" in getattr(item, "fixturenames", ()) or any(
        nodeid == sel or nodeid.startswith(sel.rstrip("/") + ("::" if ".py" in sel else "/"))
        for sel in _bench
    )


def pytest_runtest_logfinish(nodeid: str, location: Any) -> None:
    _current.bench = False


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    out = os.environ.get("CIOPT_RECORD_OUT")
    if not out:
        return
    data = {
        "version": 1,
        "python": sys.version.split()[0],
        "targets": {
            t.key: {"calls": t.calls, "counts": t.counts, "error": t.error} for t in _targets
        },
    }
    tmp = out + ".tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(data, fh, protocol=PROTOCOL)
    os.replace(tmp, out)
