"""ciopt's call recorder: a pytest plugin loaded into the client's interpreter with ``-p``.

Stdlib only; never installed. While the baseline's tests and benchmarks run, it records calls to
the functions named in ``$CIOPT_RECORD_TARGETS`` (a JSON list of ``[module, qualname]``): the
arguments pickled before the call (what replay feeds the candidate), and, normalised by
``ciopt_values``, the return value or the exception and the arguments after the call.

Before collection it replaces each target in its module or class with a recording wrapper, and
every reference to it that modules imported so far hold (``from pkg import func``). Only the
outermost call of a target is recorded (not its recursion). Recording is bounded per target:
``$CIOPT_RECORD_MAX_CALLS`` calls, ``$CIOPT_RECORD_MAX_BYTES`` bytes of pickled arguments.
Arguments that cannot be pickled, are too big, or repeat an earlier call are counted, not kept.
The recording is pickled to ``$CIOPT_RECORD_OUT`` (plain builtins only) when the session ends.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
import inspect
import json
import os
import pickle
import reprlib
import sys
import threading
from typing import Any

import ciopt_values  # type: ignore[import-not-found]  # beside this file at run time

PROTOCOL = 4
_repr = reprlib.Repr()
_repr.maxstring = 80
_repr.maxother = 80
_repr.maxlist = _repr.maxtuple = _repr.maxdict = _repr.maxset = 8


class _Target:
    def __init__(self, key: str, max_calls: int, max_bytes: int) -> None:
        self.key = key
        self.max_calls = max_calls
        self.max_bytes = max_bytes
        self.calls: list[dict[str, Any]] = []
        self.counts = {"seen": 0, "unpicklable": 0, "too_large": 0, "duplicate": 0, "over": 0}
        self.size = 0
        self.hashes: set[str] = set()
        self.error: str | None = None
        self.lock = threading.Lock()
        self.local = threading.local()

    def full(self) -> bool:
        return len(self.calls) >= self.max_calls or self.size >= self.max_bytes

    def snapshot(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bytes | None:
        """The call's pickled arguments, or None (and a count) when it is not to be kept."""
        with self.lock:
            self.counts["seen"] += 1
            if self.full():
                self.counts["over"] += 1
                return None
        try:
            blob = pickle.dumps((args, kwargs), protocol=PROTOCOL)
        except Exception:
            self.counts["unpicklable"] += 1
            return None
        digest = hashlib.sha256(blob).hexdigest()
        with self.lock:
            if len(blob) > self.max_bytes // 4 or self.size + len(blob) > self.max_bytes:
                self.counts["too_large"] += 1
                return None
            if digest in self.hashes:
                self.counts["duplicate"] += 1
                return None
            self.hashes.add(digest)
            self.size += len(blob)
        return blob

    def keep(self, blob: bytes, shown: str, outcome: str, value: Any, after: Any) -> None:
        with self.lock:
            self.calls.append(
                {"args": blob, "repr": shown, "outcome": outcome, "value": value, "after": after}
            )


def _wrap(target: _Target, func: Any) -> Any:
    @functools.wraps(func)
    def recorder(*args: Any, **kwargs: Any) -> Any:
        local = target.local
        if getattr(local, "active", False):  # recursion, or a call made while recording
            return func(*args, **kwargs)
        blob = target.snapshot(args, kwargs)
        if blob is None:
            return func(*args, **kwargs)
        shown = _call_repr(args, kwargs)
        local.active = True
        try:
            result = func(*args, **kwargs)
        except BaseException as exc:
            local.active = False
            _settle(target, blob, shown, "raise", exc, args, kwargs)
            raise
        local.active = False
        _settle(target, blob, shown, "return", result, args, kwargs)
        return result

    recorder.__ciopt_recorded__ = func  # type: ignore[attr-defined]
    return recorder


def _settle(target: _Target, blob: bytes, shown: str, outcome: str, value: Any, *call: Any) -> None:
    try:
        target.keep(
            blob,
            shown,
            outcome,
            ciopt_values.normalize(value, consume=False),
            ciopt_values.normalize([list(call[0]), call[1]], consume=False),
        )
    except Exception:  # a value the normaliser cannot read: the call is still replayable
        target.keep(blob, shown, outcome, None, None)


def _call_repr(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    try:
        parts = [_repr.repr(a) for a in args] + [f"{k}={_repr.repr(v)}" for k, v in kwargs.items()]
        return "(" + ", ".join(parts) + ")"
    except Exception:
        return "(...)"


def _install(module_name: str, qualname: str, target: _Target) -> None:
    """Replace the target with its recorder where it is defined and where it was imported."""
    owner: Any = importlib.import_module(module_name)
    *outer, name = qualname.split(".")
    for part in outer:
        owner = getattr(owner, part)
    func, wrapped = _recorder(target, inspect.getattr_static(owner, name))
    if inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func):
        raise TypeError("async functions are not recorded")
    setattr(owner, name, wrapped)
    if not outer:  # module-level: other modules may hold the original (from pkg import func)
        _rebind(func, wrapped)


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


def _rebind(func: Any, wrapped: Any) -> None:
    for module in list(sys.modules.values()):
        namespace = getattr(module, "__dict__", None)
        if not isinstance(namespace, dict):
            continue
        for attr, value in list(namespace.items()):
            if value is func:
                namespace[attr] = wrapped


_targets: list[_Target] = []


def pytest_configure(config: Any) -> None:
    wanted = json.loads(os.environ.get("CIOPT_RECORD_TARGETS", "[]"))
    max_calls = int(os.environ.get("CIOPT_RECORD_MAX_CALLS", "100"))
    max_bytes = int(os.environ.get("CIOPT_RECORD_MAX_BYTES", "4000000"))
    for module_name, qualname in wanted:
        target = _Target(f"{module_name}:{qualname}", max_calls, max_bytes)
        _targets.append(target)
        try:
            _install(module_name, qualname, target)
        except Exception as exc:  # reported as data; the tests still run
            target.error = f"{type(exc).__name__}: {exc}"


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
