"""Scanning build logs for errors."""

from cx_logscan.scan import first_errors

__all__ = ["first_errors"]
