def all_tags(posts: list[list[str]]) -> list[str]:
    """Every tag used by the posts, once, in order of first use."""
    return list({tag for post_tags in posts for tag in post_tags})
