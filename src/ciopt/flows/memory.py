"""The memory of earlier runs in a run: where it is kept, what is recalled, what is added.

Where (the ``memory`` setting; the lines' format is ``agent.memory``'s):

    off      nothing read, nothing written
    local    ``<git dir>/ciopt/memory.jsonl``, in the repository's own git directory (a
             worktree's is its main repository's): every checkout of the repository shares it
    branch   ``memory.jsonl`` on the branch ``memory_branch`` of the forge's repository (or of
             ``push_url``), for CI jobs, which start from a fresh clone: read when the run
             recalls, one new commit pushed when it ends (``forges.Remote``: the token only in a
             bare repository of ciopt's own)

A replay recalls what its trace recorded and keeps nothing (``Recorded``).

The run (``RunMemory``) recalls before the first proposal (``memory.retrieved``) and, when the
search ends, however it ends, adds one item per candidate whose proposal decoded
(``memory.appended``), its idea redacted first. Memory never fails a run: a store that cannot be
read or written is a note.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from ciopt.agent import MemoryItem, Read, Recalled, fate_of, idea_of, read_lines, recall, to_line
from ciopt.client import Target
from ciopt.config import Settings
from ciopt.errors import CioptError, ConfigError
from ciopt.forges import Forge, Remote
from ciopt.git import Git
from ciopt.trace import Tracer
from ciopt.verdict import CandidateRecord

__all__ = ["FILE", "BranchStore", "LocalStore", "Recorded", "RunMemory", "Store", "open_store"]

FILE = "memory.jsonl"
UNDECODED = "malformed_response"  # a candidate whose reply held no proposal: no idea to keep


class Store(Protocol):
    """Where items are kept: all of them read, new ones appended."""

    where: str

    def load(self) -> Read: ...

    def add(self, items: Sequence[MemoryItem]) -> None: ...


class LocalStore:
    where = "local"

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> Read:
        if not self.path.is_file():
            return Read([], 0)
        return read_lines(self.path.read_text(encoding="utf-8", errors="replace"))

    def add(self, items: Sequence[MemoryItem]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a+b") as file:  # appended at the end, wherever it reads
            size = file.seek(0, os.SEEK_END)
            torn = False
            if size:
                file.seek(size - 1)
                torn = file.read(1) != b"\n"
            file.write(_lines(items, after_torn=torn).encode("utf-8"))


class BranchStore:
    where = "branch"

    def __init__(self, remote: Callable[[], Remote], branch: str) -> None:
        """``remote`` is called when the branch is first reached (a forge may ask its API)."""
        self._open = remote
        self._remote: Remote | None = None
        self.branch = branch

    @property
    def remote(self) -> Remote:
        if self._remote is None:
            self._remote = self._open()
        return self._remote

    def load(self) -> Read:
        return read_lines(self.remote.read_file(self.branch, FILE) or "")

    def add(self, items: Sequence[MemoryItem]) -> None:
        def appended(old: str | None) -> str:
            old = old or ""
            return old + _lines(items, after_torn=bool(old) and not old.endswith("\n"))

        message = f"ciopt memory: {len(items)} item(s) of run {items[0].run_id[:12]}"
        self.remote.commit_file(self.branch, FILE, appended, message)


class Recorded:
    """The items a recorded run recalled (its trace's ``memory.retrieved``); nothing is kept."""

    where = "recorded"

    def __init__(self, items: Sequence[MemoryItem]) -> None:
        self.items = list(items)

    def load(self) -> Read:
        return Read(self.items, 0)

    def add(self, items: Sequence[MemoryItem]) -> None:
        return None


def open_store(settings: Settings, git: Git, forge: Forge) -> Store | None:
    """The store the settings name for the repository ``git``, published to through ``forge``."""
    if settings.memory == "off":
        return None
    if settings.memory == "local":
        common = git("rev-parse", "--path-format=absolute", "--git-common-dir")
        return LocalStore(Path(common) / "ciopt" / FILE)

    def remote() -> Remote:
        found = forge.remote()
        if found is None and settings.push_url:
            found = Remote(settings.push_url, user="ciopt", token=None)
        if found is None:
            raise ConfigError(
                f"memory = branch keeps it on a branch of the forge's repository, and the "
                f"{forge.name} forge has none: set push_url, or memory = local"
            )
        return found

    return BranchStore(remote, settings.memory_branch)


class RunMemory:
    """One run's use of a store: recall, then keep; the trace says which items."""

    def __init__(
        self, store: Store | None, settings: Settings, tracer: Tracer, notes: list[str]
    ) -> None:
        """``notes``: the run's, where a store that failed is told."""
        self.store = store
        self.settings = settings
        self.tracer = tracer
        self.notes = notes
        self.sources: dict[tuple[str, str], str] = {}  # (path, qualname) -> source hash

    def recall(self, root: Path, targets: Sequence[Target]) -> list[Recalled]:
        """The items to show the model about ``targets``, whose code is at ``root``."""
        self.sources = {(t.path, t.qualname): _sha256(t.source(root)) for t in targets}
        if self.store is None:
            return []
        try:
            read = self.store.load()
        except (CioptError, OSError) as exc:
            self._failed("read", exc)
            return []
        got = recall(
            read.items,
            self.sources,
            limit=self.settings.memory_items,
            chars=self.settings.memory_chars,
        )
        attrs: dict[str, object] = {}
        if self.settings.content_capture == "full":  # what a replay recalls again
            attrs["recalled"] = [item.model_dump(mode="json") for item in got.items]
        self.tracer.event(
            "memory.retrieved",
            where=self.store.where,
            read=len(read.items),
            skipped=read.skipped,
            count=len(got.items),
            chars=got.chars,
            items=[
                {"id": item.id, "when": item.when.isoformat(), "earlier": shown.earlier}
                for item, shown in zip(got.items, got.shown, strict=True)
            ],
            **attrs,
        )
        return got.shown

    def keep(
        self,
        candidates: Sequence[CandidateRecord],
        *,
        run_id: str,
        base: str | None,
        redact: Callable[[str], str],
    ) -> None:
        """One item per target for each candidate whose proposal decoded, its idea redacted."""
        if self.store is None:
            return
        when = datetime.now(UTC)
        items = [
            MemoryItem(
                path=path,
                qualname=qualname,
                source_sha256=source,
                idea=idea,
                fate=fate_of(c.outcome, c.reason),
                ratio=c.ratio,
                when=when,
                run_id=run_id,
                candidate=c.id,
                base=base,
            )
            for c in candidates
            if c.reason != UNDECODED and (idea := idea_of(redact(c.rationale)))
            for (path, qualname), source in self.sources.items()
        ]
        if not items:
            return
        try:
            self.store.add(items)
        except (CioptError, OSError) as exc:
            self._failed("written", exc)
            return
        self.tracer.event(
            "memory.appended",
            where=self.store.where,
            count=len(items),
            items=[{"id": item.id, "when": item.when.isoformat()} for item in items],
        )

    def _failed(self, doing: str, exc: Exception) -> None:
        where = self.store.where if self.store else "off"
        self.tracer.event("memory.failed", where=where, doing=doing, error=str(exc))
        self.notes.append(f"the memory of earlier runs ({where}) could not be {doing}: {exc}")


def _lines(items: Sequence[MemoryItem], *, after_torn: bool) -> str:
    """``items`` as lines to append; after a torn last line (no newline), on a line of their
    own (that line stays one corrupt line, skipped when read)."""
    return ("\n" if after_torn else "") + "".join(to_line(item) + "\n" for item in items)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
