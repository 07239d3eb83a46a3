"""Collecting the tags used across blog posts, for the tag cloud."""

from __future__ import annotations


def all_tags(posts: list[list[str]]) -> list[str]:
    """Every tag used by the posts, once, in order of first use."""
    tags = []
    for post_tags in posts:
        for tag in post_tags:
            if tag not in tags:
                tags.append(tag)
    return tags
