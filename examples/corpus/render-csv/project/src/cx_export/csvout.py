"""Exporting report tables as CSV text."""

from __future__ import annotations


def _quote(cell: str) -> str:
    if any(ch in cell for ch in ',"\n'):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def to_csv(rows: list[list[str]]) -> str:
    """The rows as CSV: cells separated by commas, quoted when needed, one line a row."""
    text = ""
    for row in rows:
        line = ""
        for i, cell in enumerate(row):
            if i > 0:
                line = line + ","
            line = line + _quote(cell)
        text = text + line + "\n"
    return text
