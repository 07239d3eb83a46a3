"""Validating CSV imports."""

from cx_import.validate import rows_complete

__all__ = ["rows_complete"]
