"""``trace.otlp.jsonl``: the run's trace as OpenTelemetry (OTLP/JSON), for any OTel backend.

Each line is one ``TracesData`` message (``{"resourceSpans": [...]}``) holding one span, in the
protobuf JSON mapping that OTLP/JSON uses: trace and span ids as lowercase hex, 64-bit integers
(times in ns, ``intValue``) as strings, enums as numbers. The whole run is one trace (its
``run_id``) under a root span named after the command. Model calls (``llm.call``) follow the
GenAI semantic conventions: span name ``chat <model>``, kind client, ``gen_ai.*`` attributes.

It is made from ``trace.jsonl``, which is already redacted, so it holds nothing that is not there.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from ciopt.trace.read import TraceFile

__all__ = ["export_otlp", "to_otlp"]

KIND_INTERNAL, KIND_CLIENT = 1, 3
STATUS_OK, STATUS_ERROR = 1, 2
_NON_FINITE = {"nan": "NaN", "inf": "Infinity", "-inf": "-Infinity"}
GEN_AI = {  # llm.call attribute -> GenAI semantic-convention attribute
    "provider": "gen_ai.provider.name",
    "model": "gen_ai.request.model",
    "max_tokens": "gen_ai.request.max_tokens",
    "response_model": "gen_ai.response.model",
    "input_tokens": "gen_ai.usage.input_tokens",
    "output_tokens": "gen_ai.usage.output_tokens",
    "signature": "gen_ai.prompt.name",
    "policy": "gen_ai.prompt.version",
}


def export_otlp(trace: TraceFile, dest: Path) -> Path:
    """Write ``dest`` from ``trace`` (read with ``read_trace``, which skips cut-short lines)."""
    tmp = dest.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for message in to_otlp(trace.records):
            fh.write(json.dumps(message, separators=(",", ":")) + "\n")
    tmp.replace(dest)
    return dest


def to_otlp(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One ``TracesData`` message per span of the run, the root span first."""
    rows = list(records)
    header = next((r for r in rows if r.get("type") == "header"), {})
    run_id = str(header.get("run_id") or (rows[0]["run_id"] if rows else "0" * 32))
    root_id = run_id[:16]
    first, last = _nanos(rows[0]["ts"]) if rows else 0, _nanos(rows[-1]["ts"]) if rows else 0
    spans: dict[str, dict[str, Any]] = {}
    root = _span(run_id, root_id, None, f"ciopt {header.get('command', 'run')}", first)
    root["endTimeUnixNano"] = str(last)
    for row in rows:
        kind, attrs = row.get("type"), row.get("attrs") or {}
        if kind == "span_start":
            parent = row.get("parent_id") or root_id
            span = _span(run_id, row["span_id"], parent, row["name"], _nanos(row["ts"]))
            spans[row["span_id"]] = span | {"_attrs": dict(attrs)}
        elif kind == "span_end" and row["span_id"] in spans:
            _end(spans[row["span_id"]], row)
        elif kind == "event":
            owner = spans.get(row.get("parent_id") or "", root)
            event = {"timeUnixNano": str(_nanos(row["ts"])), "name": row["name"]}
            event["attributes"] = _attributes(attrs)
            owner.setdefault("events", []).append(event)
            if row["name"] == "run.error":
                root["status"] = {"code": STATUS_ERROR, "message": str(attrs.get("error", ""))}
    for span in spans.values():
        if "endTimeUnixNano" not in span:  # the run ended inside it
            span["endTimeUnixNano"] = str(last)
            span["status"] = {"code": STATUS_ERROR, "message": "the span did not end"}
        span["attributes"] = _attributes(span.pop("_attrs"))
    resource = {
        "attributes": _attributes(
            {"service.name": "ciopt", "ciopt.run_id": run_id}
            | {
                f"ciopt.{k}": v
                for k, v in header.items()
                if k not in ("type", "run_id", "seq", "ts")
            }
        )
    }
    scope = {"name": "ciopt", "version": str(header.get("ciopt_version", ""))}
    return [
        {"resourceSpans": [{"resource": resource, "scopeSpans": [{"scope": scope, "spans": [s]}]}]}
        for s in (root, *spans.values())
    ]


def _span(trace_id: str, span_id: str, parent: str | None, name: str, start: int) -> dict[str, Any]:
    span: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": KIND_INTERNAL,
        "startTimeUnixNano": str(start),
    }
    if parent:
        span["parentSpanId"] = parent
    return span


def _end(span: dict[str, Any], row: dict[str, Any]) -> None:
    attrs = {**span["_attrs"], **(row.get("attrs") or {})}
    span["endTimeUnixNano"] = str(_nanos(row["ts"]))
    if span["name"] == "llm.call":
        model = attrs.get("model", "")
        span["name"] = f"chat {model}".strip()
        span["kind"] = KIND_CLIENT
        attrs = {GEN_AI.get(k, f"ciopt.{k}"): v for k, v in attrs.items()}
        attrs["gen_ai.operation.name"] = "chat"
    if row.get("budget"):  # after the GenAI names: it is ciopt's own already
        attrs["ciopt.budget"] = row["budget"]
    span["_attrs"] = attrs
    if row.get("status") == "error":
        span["status"] = {"code": STATUS_ERROR, "message": str(row.get("error", ""))}
    else:
        span["status"] = {"code": STATUS_OK}


def _attributes(values: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": str(k), "value": _any(v)} for k, v in values.items() if v is not None]


def _any(value: Any) -> dict[str, Any]:
    """An OTLP ``AnyValue``: int64 as a string, lists as arrays, dicts as key-value lists."""
    scalar = _scalar(value)
    if scalar is not None:
        return scalar
    if isinstance(value, list) and all(_scalar(x) for x in value):
        return {"arrayValue": {"values": [_any(x) for x in value]}}
    if isinstance(value, dict) and all(_scalar(x) for x in value.values()):
        pairs = [{"key": str(k), "value": _any(v)} for k, v in value.items()]
        return {"kvlistValue": {"values": pairs}}
    return {"stringValue": json.dumps(value, sort_keys=True, default=str)}


def _scalar(value: Any) -> dict[str, Any] | None:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int) and -(2**63) <= value < 2**63:
        return {"intValue": str(value)}
    if isinstance(value, float):  # proto3 JSON spells the non-finite ones as strings
        return {"doubleValue": value if math.isfinite(value) else _NON_FINITE[str(value)]}
    if isinstance(value, str):
        return {"stringValue": value}
    return None


def _nanos(ts: str) -> int:
    moment = datetime.fromisoformat(ts)
    return int(moment.timestamp()) * 10**9 + moment.microsecond * 1000
