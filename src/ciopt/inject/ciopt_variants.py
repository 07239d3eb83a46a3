"""ciopt's variants of recorded calls, made in the client's interpreter. Stdlib only.

    python ciopt_variants.py RECORDING OUT --only pkg.mod:func --call 0 --call 3 --max 20

For a function whose arguments hold objects ciopt cannot make (instances of the client's
classes), new inputs are derived from the recorded ones: each list, set, frozenset, dict or long
tuple argument of the chosen calls becomes empty, its first item alone, its items twice over,
reversed, and repeated up to ``LARGE`` items, one argument at a time, the others as recorded. The
items are the recorded objects themselves, of whatever class. Variants are pickled (a repeated
item stays one object), described by ``ciopt_shapes``, and appended to the calls of ``OUT`` (a
file of generated calls in the recorder's format, created when missing); a variant that repeats
a recorded call or another variant is dropped.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import os
import pickle
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import ciopt_shapes  # type: ignore[import-not-found]  # beside this file at run time

PROTOCOL = 4
LARGE = 1000
MAX_BYTES = 1_000_000  # one variant's pickled arguments


def variants(value: Any) -> Iterator[Any]:
    """Empty, one, doubled, reversed and large versions of a container; nothing for others."""
    kind = type(value)
    if kind is dict:
        items = list(value.items())
        yield from ({}, dict(items[:1]), dict(items[::-1]))
    elif kind in (set, frozenset):
        items = list(value)
        yield from (kind(), kind(items[:1]))
    elif kind is list or (kind is tuple and len(value) > ciopt_shapes.FIELDS):
        items = list(value)
        large = (items * (LARGE // max(1, len(items)) + 1))[:LARGE] if items else []
        for made in ([], items[:1], items + items, items[::-1], large):
            yield kind(made)


def calls_of(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Iterator[tuple[Any, Any]]:
    """The call with one container argument replaced by each of its variants in turn."""
    for i, value in enumerate(args):
        for made in variants(value):
            yield (*args[:i], made, *args[i + 1 :]), kwargs
    for name, value in kwargs.items():
        for made in variants(value):
            yield args, {**kwargs, name: made}


def _load(blob: bytes) -> Any:
    try:
        return pickle.loads(blob)  # noqa: S301 - ciopt's recording of this client
    except Exception:  # a class gone since the recording: no variants of this call
        return None


def _dump(call: Any) -> bytes | None:
    try:
        return pickle.dumps(call, protocol=PROTOCOL)
    except Exception:
        return None


def derive(
    calls: list[dict[str, Any]],
    chosen: list[int],
    most: int,
    known: Sequence[dict[str, Any]] = (),
) -> list[dict[str, Any]]:
    """Up to ``most`` new calls (recorder's entries) derived from the ``chosen`` recorded ones,
    none the same as a recorded call or one of the ``known`` (generated) ones."""
    seen = {hashlib.sha256(c["args"]).hexdigest() for c in [*calls, *known]}
    found: list[dict[str, Any]] = []
    loaded = [_load(calls[number]["args"]) for number in chosen]
    sources = [calls_of(tuple(call[0]), dict(call[1])) for call in loaded if call is not None]
    for batch in itertools.zip_longest(*sources):  # the calls in turn: variety first
        for new_args, new_kwargs in (made for made in batch if made is not None):
            if len(found) >= most:
                return found
            blob = _dump((new_args, new_kwargs))
            digest = hashlib.sha256(blob or b"").hexdigest()
            if blob is None or digest in seen or len(blob) > MAX_BYTES:
                continue
            seen.add(digest)
            shape = ciopt_shapes.describe_call(new_args, new_kwargs)
            found.append(
                {"args": blob, "repr": ciopt_shapes.shown(new_args, new_kwargs), "shape": shape}
            )
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("recording")
    parser.add_argument("out")
    parser.add_argument("--only", required=True)
    parser.add_argument("--call", type=int, action="append", default=[])
    parser.add_argument("--max", type=int, default=50)
    opts = parser.parse_args(argv)
    with open(opts.recording, "rb") as fh:
        recording = pickle.load(fh)  # noqa: S301 - written by ciopt's recorder for this run
    calls = recording["targets"].get(opts.only, {}).get("calls", [])
    payload: dict[str, Any] = {"version": 1, "targets": {}}
    if os.path.isfile(opts.out):
        with open(opts.out, "rb") as fh:
            payload = pickle.load(fh)  # noqa: S301 - written by ciopt for this run
    entry = payload["targets"].setdefault(opts.only, {"calls": [], "counts": {}, "error": None})
    chosen = [n for n in opts.call if 0 <= n < len(calls)]
    entry["calls"].extend(derive(calls, chosen, opts.max, entry["calls"]))
    tmp = opts.out + ".tmp"
    with open(tmp, "wb") as fh:
        pickle.dump(payload, fh, protocol=PROTOCOL)
    os.replace(tmp, opts.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
