def all_tags(posts: list[list[str]]) -> list[str]:
    """Every tag used by the posts, once, in order of first use."""
    tags = []
    seen = set()
    for post_tags in posts:
        for tag in post_tags:
            if tag not in seen:
                seen.add(tag)
                tags.append(tag)
    return tags
