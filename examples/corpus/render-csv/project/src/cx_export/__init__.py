"""Exporting tables as CSV text."""

from cx_export.csvout import to_csv

__all__ = ["to_csv"]
