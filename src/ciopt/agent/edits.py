"""SEARCH/REPLACE edits: decoded from a model's reply, applied to file contents.

The format (as in aider), one block per change, the file's path on the line before::

    src/pkg/mod.py
    <<<<<<< SEARCH
    lines copied exactly from the file
    =======
    the lines that replace them
    >>>>>>> REPLACE

A SEARCH text applies where it occurs once at the start of a line; failing that, where it occurs
once up to trailing whitespace, or once with all its lines shifted by the same indentation (the
REPLACE lines are then shifted alike, so the file keeps its indentation).
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
        return _spliced(lines, hits[0], len(wanted), edit.replace)
    # Tolerate a SEARCH whose lines are all shifted by the same indentation: the file's is kept.
    shifted = [
        (i, s)
        for i in range(len(lines) - len(wanted) + 1)
        if (s := _shift(wanted, stripped[i : i + len(wanted)]))
    ]
    if len(shifted) > 1:
        raise EditError(
            f"edit {number}: the SEARCH text occurs {len(shifted)} times in {edit.path} "
            "(with other indentation); include more surrounding lines so it matches once"
        )
    if shifted:
        start, (old, new) = shifted[0]
        return _spliced(lines, start, len(wanted), _reindent(edit.replace, old, new))
    raise EditError(
        f"edit {number}: the SEARCH text does not match {edit.path}{_closest(text, edit.search)}; "
        "copy the lines exactly as they are in the file"
    )


def _spliced(lines: list[str], start: int, count: int, replacement: str) -> str:
    if replacement and not replacement.endswith("\n"):
        replacement += "\n" if lines[start + count - 1].endswith("\n") else ""
    return "".join([*lines[:start], replacement, *lines[start + count :]])


def _shift(wanted: list[str], found: list[str]) -> tuple[str, str] | None:
    """``(old, new)`` when ``found`` is ``wanted`` with its indentation ``old`` made ``new``."""
    old, new = _indentation(wanted), _indentation(found)
    if old == new or len(wanted) != len(found):
        return None
    for w, f in zip(wanted, found, strict=True):
        if bool(w.strip()) != bool(f.strip()) or (w.strip() and w[len(old) :] != f[len(new) :]):
            return None
    return old, new


def _indentation(lines: list[str]) -> str:
    """The indentation every non-blank line of ``lines`` starts with."""
    indents = [line[: len(line) - len(line.lstrip())] for line in lines if line.strip()]
    common = indents[0] if indents else ""
    for indent in indents[1:]:
        while not indent.startswith(common):
            common = common[:-1]
    return common


def _reindent(text: str, old: str, new: str) -> str:
    """``text`` with the indentation ``old`` made ``new``; a line indented less moves as much."""
    out = []
    for line in text.splitlines(keepends=True):
        if not line.strip():
            out.append(line)
        elif line.startswith(old):
            out.append(new + line[len(old) :])
        else:
            body = line.lstrip(" \t")
            out.append(" " * max(0, len(line) - len(body) + len(new) - len(old)) + body)
    return "".join(out)


def _line_starts(text: str, search: str) -> list[int]:
    """Where ``search`` occurs starting at the beginning of a line (never mid-line)."""
    starts, at = [], text.find(search)
    while at != -1:
        if at == 0 or text[at - 1] == "\n":
            starts.append(at)
        at = text.find(search, at + 1)
    return starts


def _closest(text: str, search: str) -> str:
    """Where the SEARCH text parts from the file: its first line not in it, and the file's nearest
    line, shown with its indentation and line number."""
    lines = text.splitlines()
    present = {line.strip() for line in lines}
    wanted = [line.rstrip() for line in search.splitlines() if line.strip()]
    missing = next((line for line in wanted if line.strip() not in present), None)
    if missing is None:
        at = next(i for i, line in enumerate(lines) if line.strip() == wanted[0].strip())
        return (
            f" (each of its lines is in the file, but not one after another with this "
            f"indentation; its first line is line {at + 1}: {lines[at]!r})"
        )
    stripped = [line.strip() for line in lines]
    match = difflib.get_close_matches(missing.strip(), [s for s in stripped if s], n=1, cutoff=0.5)
    said = f": its line {missing!r} is not in the file"
    if not match:
        return said
    at = stripped.index(match[0])
    return f"{said}; nearest line: {lines[at]!r} (line {at + 1})"


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
