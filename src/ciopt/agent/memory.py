"""The memory of earlier runs: what was tried on a target, and what the next prompt is told of it.

A run keeps one ``MemoryItem`` per candidate whose proposal decoded: its idea in one line (the
first sentence of its rationale) and its fate. The next run on the same target recalls some of
them (``recall``): the items of that target (path and qualname), those made on the same code
(the function's source hash) first, then the most recent, as many as fit ``items`` and
``chars``. Ideas are a model's words, and the file may have been edited by anyone who can write
it, so what is recalled is sanitised and one line each (``Recalled``) before a prompt shows it.

The lines' format is here (``to_line``, ``read_lines``: JSON lines, schema-versioned, a line that
does not read is skipped and counted); where they are kept is the flows' concern.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, ValidationError

from ciopt.agent.ir import templates
from ciopt.prose import sanitize

__all__ = [
    "MEMORY_SCHEMA",
    "MemoryItem",
    "Read",
    "Recalled",
    "Recollection",
    "fate_of",
    "idea_of",
    "read_lines",
    "recall",
    "to_line",
]

MEMORY_SCHEMA = "ciopt.memory/1"
IDEA_CHARS = 160  # an idea, as kept and as shown
FATE_CHARS = 80
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z`(\"'])")


class MemoryItem(BaseModel):
    """One candidate of one run, on one target: a line of the memory."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    path: str  # the target's file, relative to the repository root
    qualname: str
    source_sha256: str  # of the target function's source at the base commit
    idea: str
    fate: str  # "faster", "rejected: behavior_changed", ...
    ratio: float | None = None  # head time / base time
    when: AwareDatetime
    run_id: str
    candidate: int
    base: str | None = None  # the base commit

    @property
    def id(self) -> str:
        """Short and unique: the run's first 12 hex digits and the candidate's number."""
        return f"{self.run_id[:12]}#{self.candidate}"


class Recalled(BaseModel):
    """An item as a prompt shows it: one sanitised line of idea, its fate and ratio."""

    idea: str
    fate: str
    ratio: float | None = None
    earlier: bool = False  # tried on an earlier version of the code (another source hash)


@dataclass(frozen=True)
class Read:
    items: list[MemoryItem]
    skipped: int  # lines that were not a memory item (corrupt, or of another schema)


@dataclass(frozen=True)
class Recollection:
    """What ``recall`` chose: the items, as a prompt shows them, and their rows' characters."""

    items: list[MemoryItem]
    shown: list[Recalled]
    chars: int


def idea_of(rationale: str) -> str:
    """The first sentence of a rationale, in one line of at most ``IDEA_CHARS``."""
    text = " ".join(rationale.split())
    return _one_line(SENTENCE_END.split(text, maxsplit=1)[0], IDEA_CHARS)


def fate_of(outcome: str, reason: str) -> str:
    """``faster``; ``rejected: behavior_changed``: the outcome, and its reason when it adds one."""
    return outcome if reason in ("", f"verified_{outcome}") else f"{outcome}: {reason}"


def to_line(item: MemoryItem) -> str:
    """The item as one JSON line (no newline), with the schema it was written in."""
    data = {"schema": MEMORY_SCHEMA, **item.model_dump(mode="json")}
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


def read_lines(text: str) -> Read:
    """The items of a memory file; a line that does not read as one is skipped and counted."""
    items, skipped = [], 0
    for line in text.splitlines():
        if not line.strip():
            continue
        try:
            data: Any = json.loads(line)
            if not isinstance(data, dict) or data.pop("schema", None) != MEMORY_SCHEMA:
                raise ValueError("not a memory item of this schema")
            items.append(MemoryItem.model_validate(data))
        except (ValueError, ValidationError):  # JSONDecodeError is a ValueError
            skipped += 1
    return Read(items, skipped)


def recall(
    items: Iterable[MemoryItem],
    targets: Mapping[tuple[str, str], str],
    *,
    limit: int,
    chars: int,
) -> Recollection:
    """The most relevant items for ``targets`` ((path, qualname) -> source hash now), as shown.

    Only items of those targets; the same code first, then the most recent; an item recorded
    for several targets once. The most relevant that fit: at most ``limit`` items whose rows, as
    rendered, hold at most ``chars`` characters together.
    """
    mine = [i for i in items if (i.path, i.qualname) in targets]
    mine.sort(key=lambda i: i.when, reverse=True)
    mine.sort(key=lambda i: i.source_sha256 != targets[(i.path, i.qualname)])  # stable
    row = templates().get_template("blocks.j2").module.memory_row  # type: ignore[attr-defined]
    chosen: dict[str, tuple[MemoryItem, Recalled]] = {}
    used = 0
    for item in mine:
        if len(chosen) >= limit:
            break
        if item.id in chosen:
            continue
        shown = Recalled(
            idea=_one_line(item.idea, IDEA_CHARS),
            fate=_one_line(item.fate, FATE_CHARS),
            ratio=item.ratio,
            earlier=item.source_sha256 != targets[(item.path, item.qualname)],
        )
        size = len(str(row(shown)).strip())
        if used + size > chars:
            break
        used += size
        chosen[item.id] = (item, shown)
    return Recollection(
        [item for item, _ in chosen.values()], [shown for _, shown in chosen.values()], used
    )


def _one_line(text: str, limit: int) -> str:
    """``text`` without what a reader cannot see (HTML comments, invisible characters), its
    whitespace one space, cut at ``limit`` characters (``…``)."""
    line = " ".join(sanitize(text).split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
