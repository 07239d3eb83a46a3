"""Summaries of HTTP access logs."""

from cx_httplog.histogram import status_histogram

__all__ = ["status_histogram"]
