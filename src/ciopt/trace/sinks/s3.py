"""The ``s3`` sink: the run's files in any S3-compatible store, and ``prune`` for stores with no
lifecycle rules.

Each file goes to ``<prefix>/<owner>/<repo>/<run>/<file>`` (``RunPlace``), tagged
``expires_at=<the trace header's>`` and ``retention_days=<n>``: S3 lifecycle filters match a tag's
exact value, so ``retention_days`` is what a lifecycle rule filters on (expire after that many
days), and ``expires_at`` is what ``prune`` reads. The client is boto3's, made by ``s3_client``
(credentials found the way boto3 finds them); tests and callers may hand in their own.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

import botocore.config
from botocore.exceptions import BotoCoreError, ClientError

from ciopt.config import S3SinkSettings
from ciopt.errors import SinkError
from ciopt.trace.sinks.base import RunPlace, Shipment, shown_url

__all__ = ["Pruned", "S3Sink", "prune", "s3_client"]

CONTENT_TYPES = {
    ".jsonl": "application/x-ndjson",
    ".json": "application/json",
    ".md": "text/markdown; charset=utf-8",
}
ClientFactory = Callable[[S3SinkSettings], Any]  # settings -> a boto3 S3 client


def s3_client(settings: S3SinkSettings) -> Any:
    """A boto3 S3 client of its own session (not boto3's global one), with the settings'
    endpoint, region, timeouts and retries; path-style addressing for a custom endpoint."""
    import boto3.session  # noqa: PLC0415 - imported when used: it takes a third of a second

    config = botocore.config.Config(
        connect_timeout=settings.timeout_s,
        read_timeout=settings.timeout_s,
        retries={"max_attempts": settings.retries, "mode": "standard"},
        s3={"addressing_style": "path"} if settings.endpoint_url else None,
    )
    return boto3.session.Session().client(
        "s3", endpoint_url=settings.endpoint_url, region_name=settings.region, config=config
    )


class S3Sink:
    kind = "s3"

    def __init__(
        self, settings: S3SinkSettings, place: RunPlace, client: ClientFactory = s3_client
    ) -> None:
        self.settings = settings
        self.place = place
        self.client = client
        self.prefix = f"{settings.prefix}/{place.key()}/"

    @property
    def target(self) -> str:
        """``s3://bucket/prefix/owner/repo/run/``, and ``at <endpoint>`` for another store."""
        where = f"s3://{self.settings.bucket}/{self.prefix}"
        endpoint = self.settings.endpoint_url
        return f"{where} at {shown_url(endpoint)}" if endpoint else where

    def send(self, shipment: Shipment) -> None:
        tags = {"expires_at": shipment.expires_at, "retention_days": shipment.retention_days}
        tagging = urlencode({k: v for k, v in tags.items() if v is not None})
        with _translated():
            client = self.client(self.settings)
            for path in shipment.files():
                client.put_object(
                    Bucket=self.settings.bucket,
                    Key=self.prefix + path.name,
                    Body=path.read_bytes(),
                    ContentType=CONTENT_TYPES.get(path.suffix, "application/octet-stream"),
                    Tagging=tagging,
                )


@dataclass(frozen=True)
class Pruned:
    """What ``prune`` did with one object: ``deleted``, ``expired`` (a dry run's), ``kept``
    (not expired yet) or ``untagged`` (no readable ``expires_at``: kept)."""

    key: str
    action: str
    expires_at: str | None


def prune(
    client: Any, bucket: str, prefix: str, now: datetime, *, dry_run: bool = False
) -> list[Pruned]:
    """Delete the objects under ``prefix`` whose ``expires_at`` tag is at or before ``now``."""
    done = []
    with _translated():
        for key in _keys(client, bucket, prefix):
            tags = client.get_object_tagging(Bucket=bucket, Key=key)["TagSet"]
            expires_at = next((t["Value"] for t in tags if t["Key"] == "expires_at"), None)
            when = _moment(expires_at)
            if when is None:
                done.append(Pruned(key, "untagged", expires_at))
            elif when > now:
                done.append(Pruned(key, "kept", expires_at))
            else:
                done.append(Pruned(key, "expired" if dry_run else "deleted", expires_at))
        doomed = [p.key for p in done if p.action == "deleted"]
        for start in range(0, len(doomed), 1000):  # DeleteObjects takes 1000 keys at most
            batch = [{"Key": key} for key in doomed[start : start + 1000]]
            answer = client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise SinkError(f"cannot delete {first['Key']}: {first.get('Message', '')}")
    return done


def _keys(client: Any, bucket: str, prefix: str) -> Iterator[str]:
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=bucket, Prefix=prefix.rstrip("/") + "/"
    )
    for page in pages:
        for item in page.get("Contents", []):
            yield item["Key"]


def _moment(text: str | None) -> datetime | None:
    try:
        when = datetime.fromisoformat(text or "")
    except ValueError:
        return None
    return when if when.tzinfo else None


@contextlib.contextmanager
def _translated() -> Iterator[None]:
    """botocore's errors (no credentials, an unreachable endpoint, a refusal) as ``SinkError``
    with one line."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        raise SinkError(f"{error.get('Code', 'error')}: {error.get('Message') or exc}") from exc
    except BotoCoreError as exc:
        raise SinkError(" ".join(str(exc).split())) from exc
