"""Rendering an activity feed."""

from cx_activity.feed import newest_first

__all__ = ["newest_first"]
