"""The trace: every step of a run as events, redacted before they are written, read back.

tracer    spans and events appended to trace.jsonl, flushed as they happen
redact    secrets replaced before anything is written (``rules``: what a secret looks like)
read      trace.jsonl read back: spans joined, candidates, model calls, outcome
otlp      the trace as OpenTelemetry (OTLP/JSON)
html      the trace as one self-contained page
summary   the trace as a terminal summary (``ciopt trace show``)
sinks/    where the trace goes when a command ends: OTLP, S3 (``ciopt trace prune``)
"""

from __future__ import annotations

from ciopt.trace.html import write_html
from ciopt.trace.otlp import export_otlp
from ciopt.trace.read import TraceFile, read_trace
from ciopt.trace.redact import SECRET_NAME, Redactor
from ciopt.trace.sinks import (
    Delivery,
    Pruned,
    RunPlace,
    Shipment,
    Sink,
    deliver,
    open_sinks,
    prune,
    s3_client,
    secret_variables,
)
from ciopt.trace.summary import summarize
from ciopt.trace.tracer import Listener, Span, Tracer

__all__ = [
    "SECRET_NAME",
    "Delivery",
    "Listener",
    "Pruned",
    "Redactor",
    "RunPlace",
    "Shipment",
    "Sink",
    "Span",
    "TraceFile",
    "Tracer",
    "deliver",
    "export_otlp",
    "open_sinks",
    "prune",
    "read_trace",
    "s3_client",
    "secret_variables",
    "summarize",
    "write_html",
]
