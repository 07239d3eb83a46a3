"""Walking dependency graphs."""

from cx_graphs.walk import reachable

__all__ = ["reachable"]
