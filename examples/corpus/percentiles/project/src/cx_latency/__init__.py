"""Latency percentiles for the service dashboard."""

from cx_latency.pct import percentiles

__all__ = ["percentiles"]
