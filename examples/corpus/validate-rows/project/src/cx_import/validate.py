"""Validating rows of a CSV import before it is loaded."""

from __future__ import annotations

REQUIRED = ("id", "name", "email")


def rows_complete(rows: list[dict[str, str]], required: tuple[str, ...] = REQUIRED) -> bool:
    """Whether every row has a non-empty value for every required column."""
    problems = []
    for number, row in enumerate(rows, start=1):
        for column in required:
            if not row.get(column):
                problems.append(f"row {number}: missing {column}")
    return not problems
