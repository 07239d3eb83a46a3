"""Recorded calls: running the baseline with ``ciopt_record``, and reading what it wrote.

The recording is a pickle written in the client's interpreter. ciopt reads it with an unpickler
that refuses every class, so only plain builtins load: the arguments of each call stay opaque
bytes, unpickled only in the client's interpreter when the calls are replayed.
"""

from __future__ import annotations

import io
import json
import pickle
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ciopt.client import Client
from ciopt.errors import BaselineError

__all__ = ["Recorded", "load_calls", "record_calls", "write_calls"]

PROTOCOL = 4


@dataclass
class Recorded:
    """What the recorder kept for one function (``module:qualname``)."""

    key: str
    calls: list[dict[str, Any]] = field(default_factory=list)  # repr, outcome, value, after
    counts: dict[str, int] = field(default_factory=dict)  # seen, unpicklable, too_large, ...
    error: str | None = None  # why the function could not be recorded at all


class _BuiltinsOnly(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a recording")


def load_calls(path: Path) -> dict[str, Recorded]:
    """A recording (or a file of generated calls), without the pickled arguments."""
    data = _BuiltinsOnly(io.BytesIO(path.read_bytes())).load()
    found = {}
    for key, entry in data["targets"].items():
        calls = [{k: v for k, v in call.items() if k != "args"} for call in entry["calls"]]
        found[key] = Recorded(key, calls, dict(entry.get("counts", {})), entry.get("error"))
    return found


def write_calls(
    path: Path, key: str, calls: Sequence[tuple[tuple[Any, ...], dict[str, Any]]]
) -> Recorded:
    """Generated inputs, in the recorder's format, for ``ciopt_replay``; what was written."""
    entries = [
        {"args": pickle.dumps(call, protocol=PROTOCOL), "repr": _call_repr(*call)} for call in calls
    ]
    payload = {"version": 1, "targets": {key: {"calls": entries, "counts": {}, "error": None}}}
    path.write_bytes(pickle.dumps(payload, protocol=PROTOCOL))
    return Recorded(key, [{"repr": entry["repr"]} for entry in entries])


def record_calls(
    client: Client,
    root: Path,
    selectors: Sequence[str],
    keys: Sequence[str],
    *,
    bench: Sequence[str] = (),
    out: Path,
    probe_out: Path,
    timeout: float,
    max_calls: int,
    max_bytes: int,
) -> dict[str, Recorded]:
    """Run the baseline's tests and benchmarks (once each, untimed) with the recorder on; the
    calls made by the tests under ``bench`` (or using the ``benchmark`` fixture) are marked."""
    out.unlink(missing_ok=True)
    done, _ = client.pytest(
        root,
        [*selectors, "--benchmark-disable", "-p", "ciopt_record"],
        probe_out=probe_out,
        timeout=timeout,
        CIOPT_RECORD_TARGETS=json.dumps([key.split(":", 1) for key in keys]),
        CIOPT_RECORD_OUT=str(out),
        CIOPT_RECORD_BENCH=json.dumps(list(bench)),
        CIOPT_RECORD_MAX_CALLS=str(max_calls),
        CIOPT_RECORD_MAX_BYTES=str(max_bytes),
    )
    if not out.is_file():
        raise BaselineError(
            f"recording the target's calls failed ({done.describe()}): {done.tail(3)}",
            reason="recording_failed",
        )
    return load_calls(out)


def _call_repr(args: tuple[Any, ...], kwargs: dict[str, Any]) -> str:
    parts = [_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()]
    return "(" + ", ".join(parts) + ")"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
