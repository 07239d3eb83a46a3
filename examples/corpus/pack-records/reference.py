_RECORD = struct.Struct("<id")


def pack_readings(readings: list[tuple[int, float]]) -> bytes:
    """The readings as little-endian records: a 4-byte sensor id, then an 8-byte float."""
    pack = _RECORD.pack
    return b"".join([pack(sensor, value) for sensor, value in readings])
