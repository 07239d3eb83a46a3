"""The registry of sinks by kind, and ``deliver``: every sink gets the trace, failures are said."""

from __future__ import annotations

import typing
from pathlib import Path

from ciopt.config import OtlpSinkSettings, S3SinkSettings, TraceSinkSettings
from ciopt.trace import Delivery, RunPlace, Shipment, deliver, open_sinks, secret_variables
from ciopt.trace.sinks import SINKS
from tests.helpers.sinks import FailingSink, KeepingSink

PLACE = RunPlace("acme", "textkit", "42-1-abc")


def test_the_registry_has_one_sink_for_every_kind_the_settings_take() -> None:
    union = typing.get_args(typing.get_args(TraceSinkSettings)[0])
    kinds = {typing.get_args(model.model_fields["kind"].annotation)[0] for model in union}
    assert set(SINKS) == kinds == {"otlp", "s3"}


def test_sinks_open_in_the_settings_order_naming_where_they_send() -> None:
    settings: list[TraceSinkSettings] = [
        S3SinkSettings(kind="s3", bucket="traces", prefix="ci/opt"),
        OtlpSinkSettings(kind="otlp", endpoint="https://otel.example.com"),
        S3SinkSettings(kind="s3", bucket="traces", endpoint_url="http://minio:9000/"),
    ]
    sinks = open_sinks(settings, {}, PLACE)
    assert [(s.kind, s.target) for s in sinks] == [
        ("s3", "s3://traces/ci/opt/acme/textkit/42-1-abc/"),
        ("otlp", "https://otel.example.com/v1/traces"),
        ("s3", "s3://traces/ciopt/acme/textkit/42-1-abc/ at http://minio:9000/"),
    ]


def test_the_variables_of_header_values_are_secrets_whatever_their_names() -> None:
    settings: list[TraceSinkSettings] = [
        OtlpSinkSettings(
            kind="otlp",
            endpoint="https://otel.example.com",
            headers_from_env={"authorization": "OTEL_AUTH", "x-team": "TEAM_HEADER"},
        ),
        S3SinkSettings(kind="s3", bucket="traces"),
    ]
    assert secret_variables(settings) == ["OTEL_AUTH", "TEAM_HEADER"]


def test_a_failing_sink_is_recorded_and_the_next_still_gets_the_trace(tmp_path: Path) -> None:
    (tmp_path / "trace.jsonl").write_text("{}\n")
    refused, buggy, kept = FailingSink(), FailingSink(KeyError("oops")), KeepingSink()
    shipment = Shipment(tmp_path, "abc", "2099-01-01T00:00:00+00:00", 30)

    done = deliver([refused, buggy, kept], shipment)

    assert done == [
        Delivery("fail", "fail://there/", "the store said no"),
        Delivery("fail", "fail://there/", "KeyError: 'oops'"),
        Delivery("keep", "keep://here/"),
    ]
    assert kept.got == [shipment] and kept.files == {"trace.jsonl": b"{}\n"}


def test_a_failure_is_one_line_naming_the_sink_and_where_the_trace_still_is(
    tmp_path: Path,
) -> None:
    [done] = deliver([FailingSink(RuntimeError("first\n  second"))], Shipment(tmp_path, "abc"))
    assert done.failure(tmp_path / "ciopt-out") == (
        "ciopt: trace sink fail (fail://there/) failed: RuntimeError: first second; "
        f"the trace is still in {tmp_path / 'ciopt-out'}/"
    )
