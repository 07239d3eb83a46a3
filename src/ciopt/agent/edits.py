"""SEARCH/REPLACE edits: decoded from a model's reply, applied to file contents.

The format (as in aider), one block per change, the file's path on the line before::

    src/pkg/mod.py
    <<<<<<< SEARCH
    lines copied exactly from the file
    =======
    the lines that replace them
    >>>>>>> REPLACE
"""

from __future__ import annotations

import difflib
import re

from pydantic import BaseModel

__all__ = ["Edit", "EditError", "apply_edits", "parse_edits"]

SEARCH, DIVIDER, REPLACE = "<<<<<<< SEARCH", "=======", ">>>>>>> REPLACE"


class Edit(BaseModel):
    path: str
    search: str
    replace: str


class EditError(ValueError):
    """An edit that cannot be decoded or applied; the message is fed back to the model."""


def parse_edits(text: str) -> list[Edit]:
    """All SEARCH/REPLACE blocks in ``text``; a malformed block raises ``EditError``."""
    lines = text.splitlines()
    edits: list[Edit] = []
    i = 0
    while i < len(lines):
        if lines[i].strip() != SEARCH:
            i += 1
            continue
        path = _path_before(lines, i)
        if path is None:
            raise EditError(f"block {len(edits) + 1} has no file path on the line before {SEARCH}")
        search, i = _collect(lines, i + 1, DIVIDER, len(edits) + 1)
        replace, i = _collect(lines, i + 1, REPLACE, len(edits) + 1)
        edits.append(Edit(path=path, search=search, replace=replace))
        i += 1
    if not edits:
        raise EditError(f"the reply has no edit; give {SEARCH} / {DIVIDER} / {REPLACE} blocks")
    return edits


def apply_edits(files: dict[str, str], edits: list[Edit]) -> dict[str, str]:
    """New contents of the edited files; ``files`` maps path -> current text."""
    out = dict(files)
    for number, edit in enumerate(edits, 1):
        if edit.path not in out:
            raise EditError(f"edit {number} names {edit.path}, which is not a file you were given")
        out[edit.path] = _apply_one(out[edit.path], edit, number)
    return {path: text for path, text in out.items() if text != files[path]}


def _apply_one(text: str, edit: Edit, number: int) -> str:
    if not edit.search.strip():
        raise EditError(f"edit {number} has an empty SEARCH section; quote the lines to replace")
    starts = _line_starts(text, edit.search)
    count = len(starts)
    if count == 1:
        return text[: starts[0]] + edit.replace + text[starts[0] + len(edit.search) :]
    if count > 1:
        raise EditError(
            f"edit {number}: the SEARCH text occurs {count} times in {edit.path}; "
            "include more surrounding lines so it matches once"
        )
    # Tolerate differences in trailing whitespace only; anything else must match exactly.
    lines = text.splitlines(keepends=True)
    wanted = [line.rstrip() for line in edit.search.splitlines()]
    stripped = [line.rstrip() for line in lines]
    hits = [
        i for i in range(len(lines) - len(wanted) + 1) if stripped[i : i + len(wanted)] == wanted
    ]
    if len(hits) == 1:
        start = hits[0]
        replacement = edit.replace
        if replacement and not replacement.endswith("\n"):
            replacement += "\n" if lines[start + len(wanted) - 1].endswith("\n") else ""
        return "".join([*lines[:start], replacement, *lines[start + len(wanted) :]])
    raise EditError(
        f"edit {number}: the SEARCH text does not match {edit.path}{_closest(text, edit.search)}; "
        "copy the lines exactly as they are in the file"
    )


def _line_starts(text: str, search: str) -> list[int]:
    """Where ``search`` occurs starting at the beginning of a line (never mid-line)."""
    starts, at = [], text.find(search)
    while at != -1:
        if at == 0 or text[at - 1] == "\n":
            starts.append(at)
        at = text.find(search, at + 1)
    return starts


def _closest(text: str, search: str) -> str:
    first = search.strip().splitlines()[0].strip()
    candidates = [line.strip() for line in text.splitlines() if line.strip()]
    match = difflib.get_close_matches(first, candidates, n=1, cutoff=0.5)
    return f" (nearest line: {match[0]!r})" if match else ""


def _path_before(lines: list[str], index: int) -> str | None:
    for line in reversed(lines[max(0, index - 3) : index]):
        if line.strip().startswith("```"):
            continue
        candidate = re.sub(r"^[#>*\s`]+|[*`:\s]+$", "", line.strip())
        if not candidate:
            continue
        return candidate if re.fullmatch(r"[\w./-]+", candidate) else None
    return None


def _collect(lines: list[str], start: int, end_marker: str, number: int) -> tuple[str, int]:
    body: list[str] = []
    for i in range(start, len(lines)):
        if lines[i].strip() == end_marker:
            return "\n".join(body) + ("\n" if body else ""), i
        body.append(lines[i])
    raise EditError(f"block {number} is missing its {end_marker!r} line")
