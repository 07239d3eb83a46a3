"""Stand-in trace sinks for a session's end: one that keeps what it was sent, one that fails."""

from __future__ import annotations

from dataclasses import dataclass, field

from ciopt.errors import SinkError
from ciopt.trace import Shipment

__all__ = ["FailingSink", "KeepingSink"]


@dataclass
class KeepingSink:
    """Keeps a copy of every file it is sent, by name, as the output folder held it then."""

    kind: str = "keep"
    target: str = "keep://here/"
    got: list[Shipment] = field(default_factory=list)
    files: dict[str, bytes] = field(default_factory=dict)

    def send(self, shipment: Shipment) -> None:
        self.got.append(shipment)
        self.files = {path.name: path.read_bytes() for path in shipment.files()}


@dataclass
class FailingSink:
    """Fails with ``error`` (a ``SinkError`` or, as a bug would, anything else)."""

    error: Exception = field(default_factory=lambda: SinkError("the store said no"))
    kind: str = "fail"
    target: str = "fail://there/"
    tried: int = 0

    def send(self, shipment: Shipment) -> None:
        self.tried += 1
        raise self.error
