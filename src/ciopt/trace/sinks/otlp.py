"""The ``otlp`` sink: the run's spans pushed over OTLP/HTTP (protobuf) to the client's endpoint.

The spans are read back from ``trace.otlp.jsonl`` (written from the redacted ``trace.jsonl`` and
scrubbed with the rest of the output folder) as the SDK's ``ReadableSpan`` (``spans``), and sent
by the OpenTelemetry project's own ``OTLPSpanExporter``: no tracer provider, global or not, is
involved. The exporter retries 429, 502-504 and connection errors with backoff inside
``timeout_s``; ``retries`` more attempts follow a failed one. What the exporter logs is kept
from the terminal; a failure's reason is the status it logged, or the error its last request
raised.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import requests
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult
from requests.adapters import HTTPAdapter

from ciopt.config import OtlpSinkSettings
from ciopt.errors import SinkError
from ciopt.trace.sinks.base import Shipment, shown_url
from ciopt.trace.sinks.spans import readable_spans

__all__ = ["Exporter", "OtlpSink", "otlp_exporter", "traces_url"]

TRACES_PATH = "/v1/traces"
_STATUS = re.compile(r"code: (?P<code>\d{3}), reason: (?P<reason>.*)")
_ERRNO = re.compile(r"\[Errno -?\d+\] [^'\")]+")
# endpoint, headers, timeout (seconds), the HTTP session to send with -> an exporter
Exporter = Callable[[str, Mapping[str, str], float, requests.Session], SpanExporter]


def otlp_exporter(
    endpoint: str, headers: Mapping[str, str], timeout: float, session: requests.Session
) -> SpanExporter:
    """The OpenTelemetry project's OTLP/HTTP protobuf exporter."""
    # imported when used: with requests and protobuf, it takes a tenth of a second
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # noqa: PLC0415
        OTLPSpanExporter,
    )

    return OTLPSpanExporter(
        endpoint=endpoint, headers=dict(headers), timeout=timeout, session=session
    )


def traces_url(endpoint: str) -> str:
    """The endpoint's ``/v1/traces`` URL (a base URL, as ``OTEL_EXPORTER_OTLP_ENDPOINT``)."""
    base = endpoint.rstrip("/")
    return base if base.endswith(TRACES_PATH) else base + TRACES_PATH


class OtlpSink:
    kind = "otlp"

    def __init__(
        self,
        settings: OtlpSinkSettings,
        environ: Mapping[str, str],
        exporter: Exporter = otlp_exporter,
    ) -> None:
        self.settings = settings
        self.environ = environ
        self.exporter = exporter
        self.url = traces_url(settings.endpoint)

    @property
    def target(self) -> str:
        return shown_url(self.url)

    def send(self, shipment: Shipment) -> None:
        spans = readable_spans(shipment.folder / "trace.otlp.jsonl")
        headers = self._headers()
        reason = "the exporter gave no reason"
        for _ in range(self.settings.retries + 1):
            witness = _Witness()
            with requests.Session() as session, _exporter_logs() as said:
                session.mount("http://", witness)
                session.mount("https://", witness)
                exporter = self.exporter(self.url, headers, self.settings.timeout_s, session)
                try:
                    result = exporter.export(spans)
                finally:
                    exporter.shutdown()
            if result is SpanExportResult.SUCCESS:
                return
            reason = _reason(said, witness.raised, self.settings.timeout_s) or reason
        raise SinkError(reason)

    def _headers(self) -> dict[str, str]:
        missing = [v for v in self.settings.headers_from_env.values() if not self.environ.get(v)]
        if missing:
            raise SinkError(f"the variable {missing[0]} (a header's value) is not set")
        return {h: self.environ[v] for h, v in self.settings.headers_from_env.items()}


class _Witness(HTTPAdapter):
    """Remembers what the last request raised: the exporter gives up on a connection error
    without saying which."""

    def __init__(self) -> None:
        super().__init__()
        self.raised: Exception | None = None

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().send(request, *args, **kwargs)
        except Exception as exc:
            self.raised = exc
            raise


def _reason(said: list[logging.LogRecord], raised: Exception | None, timeout: float) -> str | None:
    """One line: the HTTP status the endpoint answered with, else the error the last request
    raised (retried within ``timeout``), else what the exporter logged last."""
    errors = [" ".join(r.getMessage().split()) for r in said if r.levelno >= logging.ERROR]
    status = next((m for e in reversed(errors) if (m := _STATUS.search(e))), None)
    if status:
        return f"HTTP {status['code']} {status['reason']}".strip()
    if raised is not None:
        errno = _ERRNO.search(str(raised))
        cause = errno[0] if errno else f"{type(raised).__name__}: {str(raised)[:200]}"
        return f"{cause} (retried within {timeout:g} s)"
    return errors[-1] if errors else None


@contextlib.contextmanager
def _exporter_logs() -> Iterator[list[logging.LogRecord]]:
    """What OpenTelemetry's loggers say meanwhile, collected instead of reaching stderr."""
    said: list[logging.LogRecord] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            said.append(record)

    logger = logging.getLogger("opentelemetry")
    handler, propagate = Collect(logging.WARNING), logger.propagate
    logger.addHandler(handler)
    logger.propagate = False
    try:
        yield said
    finally:
        logger.removeHandler(handler)
        logger.propagate = propagate
