"""Filtering the tags users attach to posts."""

from __future__ import annotations


def allowed_tags(tags: list[str], allowed: list[str]) -> list[str]:
    """The tags that are in *allowed*, in their order, repeats kept.

    Tags are compared after lowercasing them.
    """
    return [tag for tag in tags if tag.lower() in allowed]
