"""Trace sinks: where a run's trace goes when a command ends, besides the output folder.

base   the ``Sink`` interface, what it is sent (``Shipment``), which repository and run it is
otlp   ``otlp``: the spans over OTLP/HTTP to any OpenTelemetry backend (the SDK's exporter)
s3     ``s3``: the files in any S3-compatible store (boto3), and ``prune`` of what has expired

Only what the output folder holds, already redacted and scrubbed, is sent. A sink that fails
never fails the command: ``deliver`` says so in a ``Delivery`` and goes on to the next.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ciopt.config import OtlpSinkSettings, TraceSinkSettings
from ciopt.errors import SinkError
from ciopt.trace.sinks.base import SENT_FILES, RunPlace, Shipment, Sink
from ciopt.trace.sinks.otlp import OtlpSink
from ciopt.trace.sinks.s3 import Pruned, S3Sink, prune, s3_client

__all__ = [
    "SENT_FILES",
    "SINKS",
    "Delivery",
    "Pruned",
    "RunPlace",
    "Shipment",
    "Sink",
    "deliver",
    "open_sinks",
    "prune",
    "s3_client",
    "secret_variables",
]


# by the settings' ``kind``: settings, environment, the run's place -> a sink (its client is
# made when it sends, so opening one costs nothing and cannot fail)
SINKS: dict[str, Callable[[Any, Mapping[str, str], RunPlace], Sink]] = {
    "otlp": lambda settings, environ, place: OtlpSink(settings, environ),
    "s3": lambda settings, environ, place: S3Sink(settings, place),
}


def open_sinks(
    settings: Sequence[TraceSinkSettings], environ: Mapping[str, str], place: RunPlace
) -> list[Sink]:
    return [SINKS[one.kind](one, environ, place) for one in settings]


def secret_variables(settings: Sequence[TraceSinkSettings]) -> list[str]:
    """The variables whose values the sinks send as headers: secrets, whatever their names."""
    return [
        name
        for one in settings
        if isinstance(one, OtlpSinkSettings)
        for name in one.headers_from_env.values()
    ]


@dataclass(frozen=True)
class Delivery:
    """How one sink took the trace: ``error`` is None when it did."""

    kind: str
    target: str
    error: str | None = None

    def failure(self, folder: Path) -> str:
        """The one line a failed sink is reported with."""
        return (
            f"ciopt: trace sink {self.kind} ({self.target}) failed: {self.error}; "
            f"the trace is still in {folder}/"
        )


def deliver(sinks: Sequence[Sink], shipment: Shipment) -> list[Delivery]:
    """Each sink sent the shipment in turn; a failure, a bug in a sink included, is recorded
    and the next sink still gets it."""
    done = []
    for sink in sinks:
        try:
            sink.send(shipment)
        except SinkError as exc:
            done.append(Delivery(sink.kind, sink.target, _line(str(exc) or "no reason given")))
        except Exception as exc:  # a sink's bug never fails the run
            done.append(Delivery(sink.kind, sink.target, _line(f"{type(exc).__name__}: {exc}")))
        else:
            done.append(Delivery(sink.kind, sink.target))
    return done


def _line(text: str) -> str:
    return " ".join(text.split())
