"""The trace: every step of a run as events, redacted before they are written."""

from __future__ import annotations

from ciopt.trace.redact import Redactor
from ciopt.trace.tracer import Span, Tracer

__all__ = ["Redactor", "Span", "Tracer"]
