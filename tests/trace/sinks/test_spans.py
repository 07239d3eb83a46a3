"""``trace.otlp.jsonl`` read back as SDK spans: encoded by the OpenTelemetry exporter's own
encoder, they are the very messages the file holds."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.trace import SpanKind, StatusCode

from ciopt.trace import Tracer, export_otlp, read_trace
from ciopt.trace.sinks.spans import readable_spans
from tests.helpers import parse_otlp


def _written(tmp_path: Path) -> Path:
    tracer = Tracer(tmp_path / "trace.jsonl", header={"command": "run", "ciopt_version": "0.1"})
    tracer.budget = lambda: {"spent": {"llm_calls": 1}, "limits": {"llm_calls": 4}}
    with tracer.span("candidate", candidate=1) as outer:
        with tracer.span("llm.call", signature="propose", model="openai/gpt-4o-mini") as sp:
            sp.set(provider="openai", input_tokens=1200, output_tokens=345, cost_usd=0.0021)
        tracer.event("measure.round", round=1, medians=[0.001, 0.0009], ok=True)
        outer.set(ratio=0.5, ci=[0.4, 0.6], nan=float("nan"), inf=float("inf"), big=2**70)
        outer.set(nested={"a": {"b": [1, {"c": 2}]}}, flags={"x": True, "y": "z"})
    with pytest.raises(ValueError), tracer.span("publish"):
        raise ValueError("no remote")
    tracer.close()
    return export_otlp(read_trace(tmp_path / "trace.jsonl"), tmp_path / "trace.otlp.jsonl")


def _by_id(message: Any) -> dict[bytes, dict[str, Any]]:
    found = {}
    for resource in message.resource_spans:
        for scope in resource.scope_spans:
            for span in scope.spans:
                as_dict = json_format.MessageToDict(span)
                as_dict.pop("flags", None)  # the SDK says the parent is local: not in the file
                if not as_dict.get("status"):  # unset: absent in the file, empty in the SDK's
                    as_dict.pop("status", None)
                found[span.span_id] = {
                    "span": as_dict,
                    "resource": json_format.MessageToDict(resource.resource),
                    "scope": json_format.MessageToDict(scope.scope),
                }
    return found


def test_the_sdk_spans_encode_to_the_files_own_messages(tmp_path: Path) -> None:
    path = _written(tmp_path)
    spans = readable_spans(path)

    encoded = _by_id(encode_spans(spans))
    in_file: dict[bytes, dict[str, Any]] = {}
    for message in parse_otlp(path):
        in_file |= _by_id(message)
    assert len(spans) == len(in_file) == 4  # the root, candidate, the model call, publish
    assert encoded == in_file


def test_kinds_statuses_parents_and_values_come_back_as_written(tmp_path: Path) -> None:
    spans = {span.name: span for span in readable_spans(_written(tmp_path))}
    root, chat, candidate = spans["ciopt run"], spans["chat openai/gpt-4o-mini"], spans["candidate"]
    assert root.parent is None and root.context is not None
    assert {s.context.trace_id for s in spans.values() if s.context} == {root.context.trace_id}
    assert candidate.parent is not None and candidate.parent.span_id == root.context.span_id
    assert chat.kind is SpanKind.CLIENT and candidate.kind is SpanKind.INTERNAL
    assert chat.attributes is not None and chat.attributes["gen_ai.usage.input_tokens"] == 1200
    assert candidate.attributes is not None and candidate.attributes["big"] == str(2**70)
    assert spans["publish"].status.status_code is StatusCode.ERROR
    assert spans["publish"].status.description == "ValueError: no remote"
    assert candidate.status.status_code is StatusCode.OK
    assert [e.name for e in candidate.events] == ["measure.round"]


def test_an_id_that_is_not_hex_is_hashed_to_a_valid_one(tmp_path: Path) -> None:
    tracer = Tracer(tmp_path / "trace.jsonl", run_id="run-abc123", header={"command": "run"})
    with tracer.span("request"):
        pass
    tracer.close()
    path = export_otlp(read_trace(tmp_path / "trace.jsonl"), tmp_path / "trace.otlp.jsonl")
    spans = readable_spans(path)
    assert all(s.context and s.context.is_valid for s in spans)
    assert len({s.context.trace_id for s in spans if s.context}) == 1
