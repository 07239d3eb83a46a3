"""The task corpus: tasks read from their folders, a suite's hash, and a task made a repository.

A task is a folder ``<corpus>/<name>/``::

    task.toml       name, split (train | holdout), kind, slow (what is slow, in words),
                    target (path::qualname), bench, reference_ratio (0.0 until measured),
                    optional trap (what it breaks) and trap_caught_by (which check catches it)
    project/        a small pytest project (src/, tests/, benchmarks/, pyproject.toml)
    reference.py    the reference optimization, as a model would reply: the target's new
                    definition, with the imports and helpers it needs before it
    trap.py         optional: an obvious speedup that changes behaviour

``materialize`` makes a task's project a git repository of one commit whose sha is the same on
every machine (fixed author, committer and dates), the way a client's checkout would be.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tomllib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ciopt.errors import ConfigError
from ciopt.git import Git

__all__ = ["SCRATCH", "Suite", "Task", "commit_all", "files_hash", "load_suite", "materialize"]

# what running a project's tests leaves behind: never part of a task
SCRATCH = ("__pycache__", ".pytest_cache", ".benchmarks", ".hypothesis", ".venv", "*.pyc")
# the one identity and date of every commit materialize makes (2026-01-01T00:00:00Z)
IDENTITY = "ciopt eval <eval@ciopt.invalid> 1767225600 +0000"
REPLIES = {"reference": "reference.py", "trap": "trap.py"}


class Task(BaseModel):
    """One task: its ``task.toml`` and the folder it was read from (``root``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    split: Literal["train", "holdout"]
    kind: str
    slow: str = ""  # what makes the target slow, in a sentence
    target: str = Field(pattern=r"^[^:\s]+\.py::[A-Za-z_][\w.]*$")  # src/pkg/mod.py::qualname
    bench: str = Field(min_length=1)
    reference_ratio: float = Field(0.0, ge=0.0)  # 0.0: not measured yet
    trap: str | None = None  # what the trap breaks, e.g. "order"
    trap_caught_by: str | None = None  # which check should catch it, e.g. "tests"
    description: str = ""
    root: Path

    @property
    def project(self) -> Path:
        return self.root / "project"

    @property
    def target_path(self) -> str:
        return self.target.partition("::")[0]

    @property
    def qualname(self) -> str:
        return self.target.partition("::")[2]

    def request(self, candidates: int) -> str:
        """The request text a run of this task answers."""
        return f"target={self.target} bench={self.bench} candidates={candidates}"

    def run_digest(self) -> str:
        """sha256 over what a run of the task depends on: its project and its request; not the
        words and figures that describe it (a new reference figure keeps cached runs)."""
        return hashlib.sha256(
            f"{files_hash(self.root, [self.project])}\0{self.target}\0{self.bench}".encode()
        ).hexdigest()

    def reply(self, which: Literal["reference", "trap"]) -> str:
        """The text of ``reference.py`` or ``trap.py``."""
        path = self.root / REPLIES[which]
        if not path.is_file():
            raise ConfigError(f"task {self.name} has no {path.name}; --model {which} needs one")
        return path.read_text(encoding="utf-8")


class Suite(BaseModel):
    """The tasks selected from a corpus, and ``hash``: sha256 over all of their files."""

    model_config = ConfigDict(frozen=True)

    root: Path
    tasks: list[Task]
    hash: str


def load_suite(root: Path, *, split: str | None = None, names: Sequence[str] = ()) -> Suite:
    """The tasks under ``root`` (in name order), only those of ``split`` and ``names`` if given."""
    if not root.is_dir():
        raise ConfigError(f"task corpus {root} is not a folder; give the folder of the tasks")
    tasks = [_load_task(toml) for toml in sorted(root.glob("*/task.toml"))]
    if not tasks:
        raise ConfigError(f"no task in {root}: no <name>/task.toml there")
    known = {task.name for task in tasks}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise ConfigError(
            f"no task {', '.join(unknown)} in {root} (tasks: {', '.join(sorted(known))})"
        )
    chosen = [t for t in tasks if (not names or t.name in names) and split in (None, t.split)]
    if not chosen:
        raise ConfigError(
            f"no {split} task in {root}" + (f" among {', '.join(names)}" if names else "")
        )
    return Suite(root=root, tasks=chosen, hash=files_hash(root, [t.root for t in chosen]))


def _load_task(toml: Path) -> Task:
    folder = toml.parent
    try:
        data = tomllib.loads(toml.read_text(encoding="utf-8"))
        task = Task.model_validate({**data, "root": folder})
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{toml} is not valid TOML: {exc}") from exc
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"])
        raise ConfigError(f"{toml}: {where}: {err['msg']}") from exc
    if task.name != folder.name:
        raise ConfigError(f"{toml}: name {task.name!r} is not its folder's name {folder.name!r}")
    for what, rel in (("target", task.target_path), ("bench", task.bench)):
        if not (task.project / rel).exists():
            raise ConfigError(f"{toml}: {what} {rel} does not exist in {task.project}")
    return task


def files_hash(base: Path, folders: Iterable[Path]) -> str:
    """sha256 over every file in ``folders`` (scratch left out): by path relative to ``base``
    and content, in sorted order."""
    files = sorted(
        (path.relative_to(base).as_posix(), path)
        for folder in folders
        for path in folder.rglob("*")
        if path.is_file() and not _scratch(path.relative_to(folder).parts)
    )
    digest = hashlib.sha256()
    for rel, path in files:
        digest.update(rel.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def _scratch(parts: Sequence[str]) -> bool:
    return any(Path(part).match(pattern) for part in parts for pattern in SCRATCH)


def materialize(task: Task, dest: Path) -> Path:
    """``task``'s project copied to ``dest`` (which must not exist) as a git repository on
    ``main`` with one commit, the same sha on every machine; ``dest``."""
    shutil.copytree(task.project, dest, ignore=shutil.ignore_patterns(*SCRATCH))
    Git(dest)("init", "--quiet", "--initial-branch=main")
    commit_all(dest, f"{task.name}: the task's project")
    return dest


def commit_all(repo: Path, message: str) -> str:
    """Everything in ``repo`` committed on the current branch with the fixed identity and date
    (so the same content gives the same sha); the new commit's sha."""
    git = Git(repo)
    git("add", "--all")
    parent = git("rev-parse", "--verify", "--quiet", "HEAD", check=False)
    lines = [f"tree {git('write-tree')}"]
    if re.fullmatch(r"[0-9a-f]{40,64}", parent):
        lines.append(f"parent {parent}")
    lines += [f"author {IDENTITY}", f"committer {IDENTITY}", "", message]
    sha = git("hash-object", "-t", "commit", "-w", "--stdin", stdin="\n".join(lines) + "\n")
    git("update-ref", "HEAD", sha)
    return sha
