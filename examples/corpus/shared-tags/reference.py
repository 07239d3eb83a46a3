def allowed_tags(tags: list[str], allowed: list[str]) -> list[str]:
    """The tags that are in *allowed*, in their order, repeats kept.

    Tags are compared after lowercasing them.
    """
    allowed_set = set(allowed)
    return [tag for tag in tags if tag.lower() in allowed_set]
