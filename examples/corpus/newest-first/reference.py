def newest_first(entries: list[tuple[str, str]]) -> str:
    """The (timestamp, message) entries, oldest given first, rendered newest first."""
    lines = [f"{stamp}  {message}\n" for stamp, message in entries]
    lines.reverse()
    return "".join(lines)
