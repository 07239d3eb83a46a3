"""Spotting repeated serial numbers on a production line."""

from cx_serials.serials import first_repeat

__all__ = ["first_repeat"]
