"""Filtering user-supplied tags."""

from cx_tagging.tags import allowed_tags

__all__ = ["allowed_tags"]
