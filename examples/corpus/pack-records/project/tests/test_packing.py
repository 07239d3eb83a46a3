from __future__ import annotations

import struct

import pytest

from cx_telemetry import pack_readings


def test_record_layout() -> None:
    assert pack_readings([(1, 0.5)]) == b"\x01\x00\x00\x00" + struct.pack("<d", 0.5)


def test_records_in_order() -> None:
    data = pack_readings([(7, 1.0), (-2, -3.25)])
    assert len(data) == 24
    assert struct.unpack("<idid", data) == (7, 1.0, -2, -3.25)


def test_empty() -> None:
    assert pack_readings([]) == b""


def test_sensor_id_out_of_range() -> None:
    with pytest.raises(struct.error):
        pack_readings([(2**40, 1.0)])
