"""Searching a staff directory."""

from cx_directory.search import search_names

__all__ = ["search_names"]
