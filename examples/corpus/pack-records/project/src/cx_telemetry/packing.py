"""Packing sensor readings into the binary upload format."""

from __future__ import annotations

import struct


def pack_readings(readings: list[tuple[int, float]]) -> bytes:
    """The readings as little-endian records: a 4-byte sensor id, then an 8-byte float."""
    data = b""
    for sensor, value in readings:
        data += struct.pack("<id", sensor, value)
    return data
