"""Collecting the tags of blog posts."""

from cx_blogtags.collect import all_tags

__all__ = ["all_tags"]
