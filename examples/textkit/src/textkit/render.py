"""Rendering (label, count) rows as a plain-text table."""

from __future__ import annotations


def render_table(rows: list[tuple[str, int]]) -> str:
    """Render *rows* as an aligned two-column table.

    Labels are left-aligned and counts right-aligned, each column padded to
    its widest entry and separated by two spaces. Every row ends with a
    newline; an empty list renders as an empty string.

    >>> print(render_table([("apple", 3), ("kiwi", 12)]), end="")
    apple   3
    kiwi   12
    """
    if not rows:
        return ""
    label_width = max(len(label) for label, _ in rows)
    count_width = max(len(str(count)) for _, count in rows)
    s = ""
    for label, count in rows:
        s += label.ljust(label_width) + "  " + str(count).rjust(count_width) + "\n"
    return s
