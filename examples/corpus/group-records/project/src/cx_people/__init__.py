"""Grouping people by city."""

from cx_people.grouping import group_by_city

__all__ = ["group_by_city"]
