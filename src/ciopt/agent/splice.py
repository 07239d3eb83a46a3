"""Line regions of a file replaced by new lines, told as SEARCH/REPLACE edits of the exact old text.

Each edit's SEARCH is the old lines of one or more regions, widened by neighbouring lines until
it occurs once, so the edits apply with ``apply_edits`` like any others; when they would not give
the intended text, one edit of the whole file does. Everything outside the regions stays byte for
byte.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from ciopt.agent.edits import Edit, EditError, apply_edits
from ciopt.agent.locate import source_lines

__all__ = ["Region", "region_edits"]

Piece = tuple[int, int, str]  # a region's lines start:end, and their new text


@dataclass(frozen=True)
class Region:
    """Lines ``start:end`` of a file (``start == end``: an insertion) become ``lines``."""

    start: int
    end: int
    lines: tuple[str, ...]  # without line endings


@dataclass(frozen=True)
class Group:
    """Regions edited together: the lines ``lo:hi`` their SEARCH text spans."""

    lo: int
    hi: int
    pieces: tuple[Piece, ...]


def region_edits(path: str, text: str, regions: Sequence[Region]) -> list[Edit]:
    """Edits that turn ``text`` into ``text`` with ``regions`` replaced; [] when nothing changes."""
    lines = source_lines(text)
    nl = "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
    ordered = sorted(regions, key=lambda r: (r.start, r.end))
    for before, after in pairwise(ordered):
        if after.start < before.end:
            raise EditError(f"two changes to {path} overlap (lines {after.start + 1}-{before.end})")
    pieces = [(r.start, r.end, _rendered(r, lines, nl)) for r in ordered]
    new = _replaced(lines, Group(0, len(lines), tuple(pieces)), nl)
    if new == text:
        return []
    edits = [
        Edit(path=path, search="".join(lines[g.lo : g.hi]), replace=_replaced(lines, g, nl))
        for g in _groups(text, lines, pieces)
    ]
    try:
        if apply_edits({path: text}, edits).get(path) == new:
            return edits
    except EditError:
        pass
    return [Edit(path=path, search=text, replace=new)]


def _rendered(region: Region, lines: list[str], nl: str) -> str:
    body = "".join(line + nl for line in region.lines)
    last = lines[region.end - 1] if region.end > region.start else "\n"
    return body if last.endswith(("\n", "\r")) else body.removesuffix(nl)


def _replaced(lines: list[str], group: Group, nl: str) -> str:
    """Lines ``lo:hi`` with the group's pieces in place."""
    out, at = "", group.lo
    for start, end, body in group.pieces:
        kept = "".join(lines[at:start])
        if kept and not kept.endswith(("\n", "\r")):
            kept += nl  # an insertion after a last line that has no line ending
        out += kept + body
        at = end
    return out + "".join(lines[at : group.hi])


def _groups(text: str, lines: list[str], pieces: list[Piece]) -> list[Group]:
    """Each piece with the lines around it that occur once; pieces whose lines overlap, together."""
    groups: list[Group] = []
    for piece in pieces:
        lo, hi = _widened(text, lines, piece[0], piece[1])
        group = Group(lo, hi, (piece,))
        while groups and group.lo < groups[-1].hi:
            last = groups.pop()
            group = Group(min(lo, last.lo), max(hi, last.hi), (*last.pieces, *group.pieces))
        groups.append(group)
    return groups


def _widened(text: str, lines: list[str], start: int, end: int) -> tuple[int, int]:
    """Lines around ``start:end`` whose text occurs once: those before it first, but those after
    an insertion that follows a blank line."""
    lo, hi = start, end
    down = start == end and not (start > 0 and lines[start - 1].strip())
    while True:
        search = "".join(lines[lo:hi])
        if search.strip() and _count(text, search) == 1:
            return lo, hi
        if down and hi < len(lines):
            hi += 1
        elif lo > 0:
            lo -= 1
        elif hi < len(lines):
            hi += 1
        else:
            return lo, hi


def _count(text: str, search: str) -> int:
    """How often ``search`` occurs in ``text`` starting at the beginning of a line."""
    count, at = 0, text.find(search)
    while at != -1:
        count += at == 0 or text[at - 1] in "\r\n"
        at = text.find(search, at + 1)
    return count
