"""The ``s3`` sink and ``prune`` against an in-memory S3 client: keys, tags, content types,
botocore's errors in one line, and what prune deletes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from ciopt.config import S3SinkSettings
from ciopt.errors import SinkError
from ciopt.trace import Pruned, RunPlace, Shipment, prune, s3_client
from ciopt.trace.sinks.s3 import S3Sink

PLACE = RunPlace("acme", "textkit", "4242-1-abc")
NOW = datetime(2030, 6, 1, tzinfo=UTC)


class FakeS3:
    """The calls the sink and prune make, on one bucket held in memory."""

    def __init__(self, error: Exception | None = None) -> None:
        self.objects: dict[str, dict[str, Any]] = {}
        self.error = error
        self.deletes: list[list[str]] = []
        self.refuse_delete: str | None = None

    def put_object(
        self, *, Bucket: str, Key: str, Body: bytes, ContentType: str, Tagging: str
    ) -> None:
        if self.error is not None:
            raise self.error
        tags = dict(parse_qsl(Tagging))
        self.objects[Key] = {"bucket": Bucket, "body": Body, "type": ContentType, "tags": tags}

    def get_object_tagging(self, *, Bucket: str, Key: str) -> dict[str, Any]:
        tags = self.objects[Key]["tags"]
        return {"TagSet": [{"Key": k, "Value": v} for k, v in tags.items()]}

    def get_paginator(self, name: str) -> FakeS3:
        assert name == "list_objects_v2"
        return self

    def paginate(self, *, Bucket: str, Prefix: str) -> Iterator[dict[str, Any]]:
        keys = sorted(k for k in self.objects if k.startswith(Prefix))
        for start in range(0, len(keys), 1000):
            yield {"Contents": [{"Key": k} for k in keys[start : start + 1000]]}

    def delete_objects(self, *, Bucket: str, Delete: dict[str, Any]) -> dict[str, Any]:
        keys = [o["Key"] for o in Delete["Objects"]]
        self.deletes.append(keys)
        if self.refuse_delete in keys:
            return {"Errors": [{"Key": self.refuse_delete, "Message": "Access Denied"}]}
        for key in keys:
            del self.objects[key]
        return {}


def _shipment(folder: Path, expires_at: str | None = "2030-07-01T12:00:00+00:00") -> Shipment:
    for name, text in {
        "trace.jsonl": '{"type": "header"}\n',
        "trace.otlp.jsonl": '{"resourceSpans": []}\n',
        "verdict.json": "{}\n",
        "report.md": "# ciopt\n",
        "trace.html": "<html></html>",
    }.items():
        (folder / name).write_text(text)
    return Shipment(folder, "abc", expires_at, 30 if expires_at else None)


def test_the_files_go_under_the_prefix_repository_and_run_tagged_with_their_expiry(
    tmp_path: Path,
) -> None:
    client = FakeS3()
    made: list[S3SinkSettings] = []
    settings = S3SinkSettings(kind="s3", bucket="traces", prefix="ci/traces")

    def factory(given: S3SinkSettings) -> FakeS3:
        made.append(given)
        return client

    sink = S3Sink(settings, PLACE, factory)
    sink.send(_shipment(tmp_path))

    assert made == [settings]
    assert sink.target == "s3://traces/ci/traces/acme/textkit/4242-1-abc/"
    where = "ci/traces/acme/textkit/4242-1-abc/"
    assert {k: (o["bucket"], o["type"]) for k, o in client.objects.items()} == {
        where + "trace.jsonl": ("traces", "application/x-ndjson"),
        where + "trace.otlp.jsonl": ("traces", "application/x-ndjson"),
        where + "verdict.json": ("traces", "application/json"),
        where + "report.md": ("traces", "text/markdown; charset=utf-8"),
    }  # trace.html stays in the artifact
    for key, stored in client.objects.items():
        assert stored["body"] == (tmp_path / key.rsplit("/", 1)[1]).read_bytes()
        # "+" survives the query string the tags travel in
        assert stored["tags"] == {"expires_at": "2030-07-01T12:00:00+00:00", "retention_days": "30"}


def test_a_trace_without_an_expiry_is_written_untagged(tmp_path: Path) -> None:
    client = FakeS3()
    S3Sink(S3SinkSettings(kind="s3", bucket="traces"), PLACE, lambda _: client).send(
        _shipment(tmp_path, expires_at=None)
    )
    assert {o["tags"].get("expires_at") for o in client.objects.values()} == {None}


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (
            ClientError({"Error": {"Code": "AccessDenied", "Message": "Denied"}}, "PutObject"),
            "AccessDenied: Denied",
        ),
        (
            EndpointConnectionError(endpoint_url="http://minio:9000/traces"),
            'Could not connect to the endpoint URL: "http://minio:9000/traces"',
        ),
        (NoCredentialsError(), "Unable to locate credentials"),
    ],
)  # fmt: skip
def test_botocores_errors_become_one_line(tmp_path: Path, error: Exception, said: str) -> None:
    sink = S3Sink(S3SinkSettings(kind="s3", bucket="traces"), PLACE, lambda _: FakeS3(error))
    with pytest.raises(SinkError) as failed:
        sink.send(_shipment(tmp_path))
    assert str(failed.value) == said


def test_the_client_has_the_settings_endpoint_region_timeouts_and_retries() -> None:
    settings = S3SinkSettings(
        kind="s3",
        bucket="traces",
        endpoint_url="http://minio:9000",
        region="eu-west-3",
        timeout_s=7,
        retries=2,
    )
    client = s3_client(settings)
    config = client.meta.config
    assert client.meta.endpoint_url == "http://minio:9000"
    assert client.meta.region_name == "eu-west-3"
    assert (config.connect_timeout, config.read_timeout) == (7, 7)
    assert config.retries == {"total_max_attempts": 3, "mode": "standard"}  # 2 retries
    assert config.s3 == {"addressing_style": "path"}  # MinIO and most others want paths
    assert s3_client(S3SinkSettings(kind="s3", bucket="traces")).meta.config.s3 is None


def _stored(client: FakeS3, key: str, expires_at: str | None) -> None:
    tags = f"expires_at={expires_at.replace('+', '%2B')}" if expires_at else ""
    client.put_object(Bucket="b", Key=key, Body=b"", ContentType="x", Tagging=tags)


def test_prune_deletes_the_expired_and_keeps_the_rest() -> None:
    client = FakeS3()
    past, future = (NOW - timedelta(seconds=1)).isoformat(), (NOW + timedelta(days=1)).isoformat()
    _stored(client, "ciopt/a/b/1/trace.jsonl", past)
    _stored(client, "ciopt/a/b/2/trace.jsonl", future)
    _stored(client, "ciopt/a/b/3/notes.txt", None)
    _stored(client, "ciopt/a/b/4/odd.txt", "soon")
    _stored(client, "ciopt-other/a/b/1/trace.jsonl", past)  # another prefix that starts alike

    assert prune(client, "b", "ciopt", NOW, dry_run=True) == [
        Pruned("ciopt/a/b/1/trace.jsonl", "expired", past),
        Pruned("ciopt/a/b/2/trace.jsonl", "kept", future),
        Pruned("ciopt/a/b/3/notes.txt", "untagged", None),
        Pruned("ciopt/a/b/4/odd.txt", "untagged", "soon"),
    ]
    assert client.deletes == []

    done = prune(client, "b", "ciopt/", NOW)
    assert [p.action for p in done] == ["deleted", "kept", "untagged", "untagged"]
    assert sorted(client.objects) == [
        "ciopt-other/a/b/1/trace.jsonl",
        "ciopt/a/b/2/trace.jsonl",
        "ciopt/a/b/3/notes.txt",
        "ciopt/a/b/4/odd.txt",
    ]


def test_prune_deletes_a_thousand_keys_a_call_and_says_a_refusal() -> None:
    client = FakeS3()
    for n in range(1001):
        _stored(client, f"ciopt/a/b/{n:04}/trace.jsonl", "2000-01-01T00:00:00+00:00")
    assert len(prune(client, "b", "ciopt", NOW)) == 1001
    assert [len(batch) for batch in client.deletes] == [1000, 1]

    _stored(client, "ciopt/a/b/x/trace.jsonl", "2000-01-01T00:00:00+00:00")
    client.refuse_delete = "ciopt/a/b/x/trace.jsonl"
    with pytest.raises(SinkError, match=r"^cannot delete ciopt/a/b/x/trace.jsonl: Access Denied$"):
        prune(client, "b", "ciopt", NOW)
