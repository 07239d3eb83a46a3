"""The ``otlp`` sink: the file's spans to the exporter, headers from the environment, bounded
attempts, and a failure said in one line (the real exporter against a local HTTP server)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator, Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from ciopt.config import OtlpSinkSettings
from ciopt.errors import SinkError
from ciopt.trace import Shipment, export_otlp, read_trace
from ciopt.trace.sinks.otlp import OtlpSink, traces_url
from tests.trace.sinks.stores import closed_port
from tests.trace.written import write_run_trace


class FakeExporter(SpanExporter):
    def __init__(self, result: SpanExportResult) -> None:
        self.result = result
        self.spans: list[ReadableSpan] = []
        self.shut = False

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        self.spans = list(spans)
        return self.result

    def shutdown(self) -> None:
        self.shut = True


class Exporters:
    """An exporter factory whose exporters answer ``results`` in turn."""

    def __init__(self, *results: SpanExportResult) -> None:
        self.results = list(results)
        self.made: list[tuple[str, dict[str, str], float, FakeExporter]] = []

    def __call__(
        self, endpoint: str, headers: Mapping[str, str], timeout: float, session: requests.Session
    ) -> SpanExporter:
        exporter = FakeExporter(self.results.pop(0))
        self.made.append((endpoint, dict(headers), timeout, exporter))
        return exporter


@pytest.fixture
def shipment(tmp_path: Path) -> Shipment:
    trace = write_run_trace(tmp_path / "trace.jsonl")
    export_otlp(read_trace(trace), tmp_path / "trace.otlp.jsonl")
    return Shipment(tmp_path, "run-abc123")


def _settings(**values: Any) -> OtlpSinkSettings:
    return OtlpSinkSettings.model_validate({"kind": "otlp", "endpoint": "http://c:4318", **values})


def test_every_span_goes_to_the_endpoint_with_headers_from_the_environment(
    shipment: Shipment,
) -> None:
    exporters = Exporters(SpanExportResult.SUCCESS)
    settings = _settings(headers_from_env={"authorization": "OTEL_AUTH"}, timeout_s=3)
    sink = OtlpSink(settings, {"OTEL_AUTH": "Bearer s3cr3t-value"}, exporters)

    sink.send(shipment)

    [(endpoint, headers, timeout, exporter)] = exporters.made
    assert (endpoint, headers, timeout) == (
        "http://c:4318/v1/traces",
        {"authorization": "Bearer s3cr3t-value"},
        3.0,
    )
    lines = (shipment.folder / "trace.otlp.jsonl").read_text().splitlines()
    assert len(exporter.spans) == len(lines) == 10 and exporter.shut
    assert sink.target == "http://c:4318/v1/traces"


@pytest.mark.parametrize(
    ("endpoint", "url"),
    [
        ("http://c:4318", "http://c:4318/v1/traces"),
        ("http://c:4318/", "http://c:4318/v1/traces"),
        ("https://cloud.example.com/api/public/otel", "https://cloud.example.com/api/public/otel/v1/traces"),
        ("http://c:6006/v1/traces", "http://c:6006/v1/traces"),
    ],
)  # fmt: skip
def test_the_endpoint_is_a_base_url_as_otel_exporter_otlp_endpoint_is(
    endpoint: str, url: str
) -> None:
    assert traces_url(endpoint) == url


@pytest.mark.parametrize("environ", [{}, {"OTEL_AUTH": ""}])
def test_a_header_whose_variable_is_not_set_fails_before_anything_is_sent(
    shipment: Shipment, environ: dict[str, str]
) -> None:
    exporters = Exporters()
    sink = OtlpSink(_settings(headers_from_env={"authorization": "OTEL_AUTH"}), environ, exporters)
    with pytest.raises(
        SinkError, match=r"^the variable OTEL_AUTH \(a header's value\) is not set$"
    ):
        sink.send(shipment)
    assert exporters.made == []


def test_a_failed_export_is_tried_again_as_often_as_retries_says(shipment: Shipment) -> None:
    failure, success = SpanExportResult.FAILURE, SpanExportResult.SUCCESS
    twice = Exporters(failure, success)
    OtlpSink(_settings(retries=1), {}, twice).send(shipment)
    assert len(twice.made) == 2

    never = Exporters(failure, failure, failure)
    with pytest.raises(SinkError, match="the exporter gave no reason"):
        OtlpSink(_settings(retries=2), {}, never).send(shipment)
    assert len(never.made) == 3 and all(made[3].shut for made in never.made)


class _Refusing(BaseHTTPRequestHandler):
    seen: list[tuple[str, dict[str, str], bytes]] = []  # noqa: RUF012 - one server a test

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(401, "Unauthorized")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def refusing() -> Iterator[str]:
    """An OTLP endpoint that answers every export 401."""
    _Refusing.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Refusing)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_the_real_exporter_sends_protobuf_with_the_header_and_a_refusal_is_one_line(
    shipment: Shipment, refusing: str, capfd: pytest.CaptureFixture[str]
) -> None:
    settings = _settings(endpoint=refusing, headers_from_env={"x-api-key": "STORE_KEY"})
    sink = OtlpSink(settings, {"STORE_KEY": "k-123456789"})
    handlers = list(logging.getLogger("opentelemetry").handlers)

    with pytest.raises(SinkError) as failed:
        sink.send(shipment)

    assert str(failed.value) == "HTTP 401 Unauthorized"
    assert len(_Refusing.seen) == 2  # retries = 1 by default; a 401 is not retried inside
    path, headers, body = _Refusing.seen[0]
    assert path == "/v1/traces" and headers["x-api-key"] == "k-123456789"
    assert headers["content-type"] == "application/x-protobuf"
    request = ExportTraceServiceRequest.FromString(body)
    names = [s.name for r in request.resource_spans for ss in r.scope_spans for s in ss.spans]
    assert "chat scripted" in names and len(names) == 10
    assert capfd.readouterr() == ("", "")  # the exporter's own logging kept from the terminal
    assert logging.getLogger("opentelemetry").handlers == handlers


def test_an_endpoint_nobody_listens_on_fails_within_the_timeout(shipment: Shipment) -> None:
    port = closed_port()
    sink = OtlpSink(_settings(endpoint=f"http://127.0.0.1:{port}", timeout_s=0.5, retries=0), {})
    with pytest.raises(
        SinkError, match=r"^\[Errno 111\] Connection refused \(retried within 0.5 s\)$"
    ):
        sink.send(shipment)
