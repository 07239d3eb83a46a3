"""Reading what a run wrote: its prompts rebuilt from the trace, its OTLP export parsed."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from google.protobuf import json_format
from opentelemetry.proto.trace.v1.trace_pb2 import TracesData

from ciopt.agent.ir import PromptIR, render

__all__ = ["parse_otlp", "prompts"]


def prompts(trace: Path) -> list[tuple[str, list[dict[str, str]]]]:
    """Every prediction's first prompt, rebuilt from the trace alone: its IR and its blobs."""
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    blobs = {r["sha256"]: r["text"] for r in records if r["type"] == "blob"}
    irs = [
        PromptIR.model_validate(r["attrs"]["ir"])
        for r in records
        if r["type"] == "span_end" and r["name"] == "predict"
    ]
    return [(ir.signature, render(ir, blobs)) for ir in irs]


def parse_otlp(path: Path) -> list[TracesData]:
    """Each line as OTLP/JSON: protobuf's JSON mapping, except that ids are hex, not base64."""
    messages = []
    for line in path.read_text().splitlines():
        data = json.loads(line)
        for resource in data["resourceSpans"]:
            for scope in resource["scopeSpans"]:
                for span in scope["spans"]:
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if key in span:
                            span[key] = base64.b64encode(bytes.fromhex(span[key])).decode()
        messages.append(json_format.ParseDict(data, TracesData()))
    return messages
