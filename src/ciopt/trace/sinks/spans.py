"""``trace.otlp.jsonl`` read back as the OpenTelemetry SDK's ``ReadableSpan``, for its exporters.

Every span keeps what the file says: trace and span ids, parent, name, kind, times, attributes
(``AnyValue`` back to the Python value the SDK encodes to it again), events, status, resource and
scope. The SDK's encoder turns them into the same protobuf message the file holds as JSON.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import Event, ReadableSpan
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import SpanContext, SpanKind, Status, StatusCode, TraceFlags

__all__ = ["readable_spans"]

_SCALARS = {"stringValue": str, "boolValue": bool, "intValue": int, "doubleValue": float}


def readable_spans(path: Path) -> list[ReadableSpan]:
    """``trace.otlp.jsonl`` (``TracesData`` messages, one a line) as SDK spans."""
    resources: dict[str, Resource] = {}  # one object per distinct resource: spans group by it
    spans = []
    for line in path.read_text(encoding="utf-8").splitlines():
        for rs in json.loads(line).get("resourceSpans", []):
            attrs = _attributes(rs.get("resource", {}).get("attributes", []))
            resource = resources.setdefault(
                json.dumps(attrs, sort_keys=True), Resource(attrs, rs.get("schemaUrl", ""))
            )
            for ss in rs.get("scopeSpans", []):
                scope = ss.get("scope", {})
                library = InstrumentationScope(scope.get("name", ""), scope.get("version") or None)
                spans += [_span(span, resource, library) for span in ss.get("spans", [])]
    return spans


def _span(span: dict[str, Any], resource: Resource, scope: InstrumentationScope) -> ReadableSpan:
    trace_id = _id(span["traceId"], 16)
    parent = span.get("parentSpanId")
    status = span.get("status", {})
    code = StatusCode(int(status.get("code", 0)))
    return ReadableSpan(
        name=span["name"],
        context=_context(trace_id, _id(span["spanId"], 8)),
        parent=_context(trace_id, _id(parent, 8)) if parent else None,
        resource=resource,
        attributes=_attributes(span.get("attributes", [])),
        events=[
            Event(e["name"], _attributes(e.get("attributes", [])), int(e["timeUnixNano"]))
            for e in span.get("events", [])
        ],
        kind=SpanKind(max(int(span.get("kind", 1)) - 1, 0)),  # OTLP's count from 1
        instrumentation_scope=scope,
        status=Status(code, status.get("message") if code is StatusCode.ERROR else None),
        start_time=int(span["startTimeUnixNano"]),
        end_time=int(span["endTimeUnixNano"]),
    )


def _context(trace_id: int, span_id: int) -> SpanContext:
    return SpanContext(trace_id, span_id, is_remote=False, trace_flags=TraceFlags(1))


def _id(text: str, size: int) -> int:
    """A hex id as an int; anything else (a test's ``run-abc``) hashed to one, never zero."""
    try:
        value = int(text, 16) if len(text) == 2 * size else 0
    except ValueError:
        value = 0
    return value or int.from_bytes(hashlib.sha256(text.encode()).digest()[:size], "big") or 1


def _attributes(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    return {p["key"]: _value(p.get("value", {})) for p in pairs}


def _value(any_value: dict[str, Any]) -> Any:
    """An OTLP/JSON ``AnyValue`` as the Python value the SDK encodes back to it (a double may
    be spelled "NaN" or "Infinity"; an int64 is a string)."""
    for key, kind in _SCALARS.items():
        if key in any_value:
            return kind(any_value[key])
    if "arrayValue" in any_value:
        return [_value(v) for v in any_value["arrayValue"].get("values", [])]
    if "kvlistValue" in any_value:
        return _attributes(any_value["kvlistValue"].get("values", []))
    return None
