"""``trace.otlp.jsonl``: every line must parse as an OTLP ``TracesData`` message."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status, TracesData

from ciopt.trace import Tracer
from ciopt.trace.otlp import export_otlp
from ciopt.trace.read import read_trace
from tests.helpers import parse_otlp


def traced_run(path: Path) -> Tracer:
    tracer = Tracer(path, header={"command": "run", "ciopt_version": "0.1.0"})
    tracer.budget = lambda: {"spent": {"llm_calls": 1}}
    with tracer.span("candidate", candidate=1) as outer:
        with tracer.span("llm.call", signature="propose", model="openai/gpt-4o-mini") as sp:
            sp.set(provider="openai", input_tokens=1200, output_tokens=345, cost_usd=0.0021)
            sp.set(max_tokens=2048)
        tracer.event("measure.round", round=1, medians=[0.001, 0.0009])
        outer.set(outcome="faster", ratio=0.5, ci=[0.4, 0.6], nan=float("nan"), big=2**70)
    with pytest.raises(ValueError), tracer.span("publish"):
        raise ValueError("no remote")
    return tracer


def spans(messages: list[TracesData]) -> dict[str, Span]:
    found = {}
    for message in messages:
        for resource in message.resource_spans:
            for scope in resource.scope_spans:
                for span in scope.spans:
                    found[span.name] = span
    return found


def attrs(span: Span) -> dict[str, Any]:
    return {a.key: json_format.MessageToDict(a.value) for a in span.attributes}


def test_every_line_is_a_traces_data_message(tmp_path: Path) -> None:
    tracer = traced_run(tmp_path / "trace.jsonl")
    tracer.close()
    out = export_otlp(read_trace(tmp_path / "trace.jsonl"), tmp_path / "trace.otlp.jsonl")
    messages = parse_otlp(out)
    by_name = spans(messages)
    assert set(by_name) == {"ciopt run", "candidate", "chat openai/gpt-4o-mini", "publish"}

    root = by_name["ciopt run"]
    assert root.trace_id.hex() == tracer.run_id and not root.parent_span_id
    for name in ("candidate", "publish"):
        assert by_name[name].parent_span_id == root.span_id
    chat = by_name["chat openai/gpt-4o-mini"]
    assert chat.parent_span_id == by_name["candidate"].span_id
    assert chat.kind == Span.SpanKind.SPAN_KIND_CLIENT
    gen_ai = attrs(chat)
    assert gen_ai["gen_ai.operation.name"] == {"stringValue": "chat"}
    assert gen_ai["gen_ai.provider.name"] == {"stringValue": "openai"}
    assert gen_ai["gen_ai.request.model"] == {"stringValue": "openai/gpt-4o-mini"}
    assert gen_ai["gen_ai.usage.input_tokens"] == {"intValue": "1200"}
    assert gen_ai["gen_ai.usage.output_tokens"] == {"intValue": "345"}
    assert gen_ai["gen_ai.request.max_tokens"] == {"intValue": "2048"}
    assert gen_ai["gen_ai.prompt.name"] == {"stringValue": "propose"}
    assert "ciopt.budget" in gen_ai and "ciopt.ciopt.budget" not in gen_ai  # ciopt's, once
    assert chat.end_time_unix_nano >= chat.start_time_unix_nano > 0

    candidate = by_name["candidate"]
    assert [e.name for e in candidate.events] == ["measure.round"]
    values = attrs(candidate)
    assert values["ratio"] == {"doubleValue": 0.5}
    assert values["nan"] == {"doubleValue": "NaN"}
    assert values["big"] == {"stringValue": str(2**70)}  # beyond int64: kept as text
    assert values["ci"] == {"arrayValue": {"values": [{"doubleValue": 0.4}, {"doubleValue": 0.6}]}}
    assert "ciopt.budget" in values
    assert candidate.status.code == Status.STATUS_CODE_OK
    assert by_name["publish"].status.code == Status.STATUS_CODE_ERROR
    assert "no remote" in by_name["publish"].status.message


def test_the_raw_json_follows_otlp_rules(tmp_path: Path) -> None:
    traced_run(tmp_path / "trace.jsonl").close()
    out = export_otlp(read_trace(tmp_path / "trace.jsonl"), tmp_path / "trace.otlp.jsonl")
    for line in out.read_text().splitlines():
        message = json.loads(line)
        (span,) = message["resourceSpans"][0]["scopeSpans"][0]["spans"]
        assert len(span["traceId"]) == 32 and len(span["spanId"]) == 16
        int(span["traceId"], 16), int(span["spanId"], 16)  # lowercase hex, not base64
        assert isinstance(span["startTimeUnixNano"], str)
        assert isinstance(span["endTimeUnixNano"], str)


def test_a_crashed_run_still_exports_what_it_wrote(tmp_path: Path) -> None:
    tracer = Tracer(tmp_path / "trace.jsonl", header={"command": "compare"})
    with tracer.span("measure"):
        tracer.event("measure.round", round=1)
    tracer.close()
    # as if the process died inside the span: no span_end, and half a line
    lines = (tmp_path / "trace.jsonl").read_text().splitlines()
    kept = [line for line in lines if '"span_end"' not in line]
    (tmp_path / "trace.jsonl").write_text("\n".join(kept) + '\n{"type": "span_e')
    messages = parse_otlp(export_otlp(read_trace(tmp_path / "trace.jsonl"), tmp_path / "o.jsonl"))
    measure = spans(messages)["measure"]
    assert measure.status.message == "the span did not end"
    assert [e.name for e in measure.events] == ["measure.round"]
