"""Packing sensor readings into a binary format."""

from cx_telemetry.packing import pack_readings

__all__ = ["pack_readings"]
