"""The run's event stream: spans and events appended to ``trace.jsonl``, flushed as they happen."""

from __future__ import annotations

import json
import os
import secrets
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from ciopt.trace.redact import Redactor

__all__ = ["Listener", "Span", "Tracer"]

SCHEMA = "ciopt.trace/1"

# follows the run: called with each record as written (redacted), the header first
Listener = Callable[[dict[str, Any]], None]


class Span:
    def __init__(self, tracer: Tracer, name: str, span_id: str, parent_id: str | None) -> None:
        self.tracer = tracer
        self.name = name
        self.span_id = span_id
        self.parent_id = parent_id
        self.attrs: dict[str, Any] = {}

    def set(self, **attrs: Any) -> None:
        """Attributes recorded when the span ends."""
        self.attrs.update(attrs)


class Tracer:
    """Writes one JSON object a line. Everything passes through the redactor first.

    ``budget`` is called after each span to record what has been spent so far.
    """

    def __init__(
        self,
        path: Path,
        *,
        redactor: Redactor | None = None,
        budget: Callable[[], dict[str, Any]] | None = None,
        run_id: str | None = None,
        header: dict[str, Any] | None = None,
        listeners: Sequence[Listener] = (),
    ) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.run_id = run_id or secrets.token_hex(16)
        self.redactor = redactor or Redactor()
        self.budget = budget
        self._stack: list[Span] = []
        self._seq = 0
        self._blobs: set[str] = set()
        self.bytes_written = 0
        # called with the size of each line written (the budget's output_bytes)
        self.on_write: Callable[[int], None] | None = None
        # called with each record as written (redacted): e.g. the progress comment follows spans;
        # ``listeners`` given here see the header too (a command's progress display)
        self.listeners: list[Listener] = list(listeners)
        self._file: IO[str] = path.open("a", encoding="utf-8")
        self._write({"type": "header", "schema": SCHEMA, **(header or {})})

    @contextmanager
    def span(self, name: str, **attrs: Any) -> Iterator[Span]:
        parent = self._stack[-1].span_id if self._stack else None
        span = Span(self, name, secrets.token_hex(8), parent)
        start = time.perf_counter()
        self._write(
            {
                "type": "span_start",
                "name": name,
                "span_id": span.span_id,
                "parent_id": parent,
                "attrs": attrs,
            }
        )
        self._stack.append(span)
        status, error = "ok", None
        try:
            yield span
        except BaseException as exc:
            status, error = "error", f"{type(exc).__name__}: {exc}"
            raise
        finally:
            self._stack.pop()
            record: dict[str, Any] = {
                "type": "span_end",
                "name": name,
                "span_id": span.span_id,
                "parent_id": parent,
                "status": status,
                "duration_s": round(time.perf_counter() - start, 6),
                "attrs": span.attrs,
            }
            if error:
                record["error"] = error
            if self.budget is not None:
                record["budget"] = self.budget()
            self._write(record)

    def event(self, name: str, **attrs: Any) -> None:
        parent = self._stack[-1].span_id if self._stack else None
        self._write({"type": "event", "name": name, "parent_id": parent, "attrs": attrs})

    def blob(self, sha256: str, text: str) -> None:
        """Large content (a source file, a profile) written once and referenced by its hash."""
        if sha256 in self._blobs:
            return
        self._blobs.add(sha256)
        self._write({"type": "blob", "sha256": sha256, "size": len(text), "text": text})

    def exception(self, exc: BaseException) -> None:
        """Record an error that ends the run, with its traceback for ciopt bugs."""
        attrs: dict[str, Any] = {"error": f"{type(exc).__name__}: {exc}"}
        if not hasattr(exc, "reason"):
            attrs["traceback"] = "".join(traceback.format_exception(exc))
        self.event("run.error", **attrs)

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()

    def _write(self, record: dict[str, Any]) -> None:
        if self._file.closed:
            return
        self._seq += 1
        now = datetime.now(UTC).isoformat(timespec="microseconds")
        full = {"run_id": self.run_id, "seq": self._seq, "ts": now, **record}
        plain = json.loads(json.dumps(full, default=str))  # every value as JSON text first
        written = self.redactor.value(plain)
        line = json.dumps(written)
        self._file.write(line + "\n")
        self.bytes_written += len(line) + 1
        if self.on_write is not None:
            self.on_write(len(line) + 1)
        self._file.flush()
        os.fsync(self._file.fileno())
        for listener in self.listeners:
            listener(written)
