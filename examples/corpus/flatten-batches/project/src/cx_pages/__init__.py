"""Collecting paginated API results."""

from cx_pages.flatten import collect_ids

__all__ = ["collect_ids"]
