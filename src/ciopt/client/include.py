"""Files git ignores that the package needs, copied from the checkout into each worktree.

A worktree holds only what git tracks, but a package may import what its build backend writes at
install and git ignores: ``_version.py`` (setuptools-scm, hatch-vcs), extension modules built in
place (``*.so``, ``*.pyd``). Without them the worktree cannot import what the checkout imports.
So every worktree ciopt makes (baseline, head, each candidate) gets, from the checkout:

- by default, the ignored ``*.py``, ``*.so`` and ``*.pyd`` inside the top packages of the
  targets (the project's packages, for ``compare`` and ``calibrate``);
- with ``worktree_include``, the ignored files its globs match instead (relative to the root;
  ``*`` also matches ``/``, as in ``allowed_paths``; a folder means what is in it); ``[]``: none.

Never a file git tracks (nothing already in the worktree is overwritten), nothing under
``__pycache__``, nothing a symlink leads to outside the checkout. The copies are never committed:
they are no part of a candidate's change.
"""

from __future__ import annotations

import fnmatch
import shutil
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from ciopt.client.targets import project_packages
from ciopt.errors import ConfigError
from ciopt.git import Git

__all__ = [
    "DEFAULT_KINDS",
    "Included",
    "copy_included",
    "default_include",
    "included_files",
    "select_included",
    "top_packages",
]

DEFAULT_KINDS = ("*.py", "*.so", "*.pyd")
WILDCARDS = "*?["


@dataclass(frozen=True)
class Included:
    """The globs, the ignored files they matched (relative to the root), and those refused."""

    patterns: tuple[str, ...]
    files: tuple[str, ...]
    refused: tuple[str, ...] = ()  # symlinks that lead out of the checkout

    def fields(self) -> dict[str, Any]:
        """The trace event's attributes."""
        return {"patterns": list(self.patterns), "files": list(self.files),
                "refused": list(self.refused)}  # fmt: skip


def included_files(git: Git, configured: Sequence[str] | None, files: Sequence[str]) -> Included:
    """What each worktree gets: ``configured`` globs (``worktree_include``), else the default
    for the packages of ``files`` (the targets' paths; none: the project's packages)."""
    patterns = default_include(git.path, files) if configured is None else list(configured)
    return select_included(git, patterns)


def top_packages(repo: Path, files: Iterable[str]) -> list[str]:
    """The top package of each file (its highest folder with ``__init__.py`` below ``repo``),
    relative to ``repo``; a file outside any package adds none."""
    found = set()
    for rel in files:
        folder, top = (repo / rel).parent, None
        while folder != repo and folder.is_relative_to(repo) and (folder / "__init__.py").is_file():
            top, folder = folder, folder.parent
        if top is not None:
            found.add(top.relative_to(repo).as_posix())
    return sorted(found)


def default_include(repo: Path, files: Sequence[str]) -> list[str]:
    """The default globs: ``DEFAULT_KINDS`` in the top packages of ``files`` (none given: of the
    project's packages, in ``src/`` or at the root)."""
    if not files:
        root, names = project_packages(repo)
        files = [PurePosixPath(root, name, "__init__.py").as_posix() for name in names]
    return [f"{pkg}/{kind}" for pkg in top_packages(repo, files) for kind in DEFAULT_KINDS]


def select_included(git: Git, patterns: Sequence[str]) -> Included:
    """The files of the checkout at ``git`` that git ignores and one of ``patterns`` matches."""
    for pattern in patterns:
        _check(pattern)
    if not patterns:
        return Included((), ())
    prefixes = [_prefix(p) for p in patterns]
    specs = [] if "" in prefixes else [f":(literal){p}" for p in dict.fromkeys(prefixes)]
    listed = git("ls-files", "-z", "--others", "--ignored", "--exclude-standard", "--", *specs)
    repo = git.path.resolve()
    files, refused = [], []
    for rel in sorted(filter(None, listed.split("\0"))):
        if "__pycache__" in PurePosixPath(rel).parts or not any(_matches(rel, p) for p in patterns):
            continue
        real = (git.path / rel).resolve()
        if not real.is_relative_to(repo):
            refused.append(rel)
        elif real.is_file():
            files.append(rel)
    return Included(tuple(patterns), tuple(files), tuple(refused))


def copy_included(source: Path, dest: Path, files: Iterable[str]) -> list[str]:
    """Copy ``files`` (relative paths) from the checkout ``source`` into the worktree ``dest``;
    what ``dest`` already has (tracked at its commit) is left alone. Returns what was copied."""
    top, origin = dest.resolve(), source.resolve()
    copied = []
    for rel in files:
        target, real = dest / rel, (source / rel).resolve()
        if target.is_symlink() or target.exists() or not target.resolve().is_relative_to(top):
            continue
        if not real.is_relative_to(origin) or not real.is_file():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(real, target)
        copied.append(rel)
    return copied


def _check(pattern: str) -> None:
    path = PurePosixPath(pattern)
    if not pattern or path.is_absolute() or ".." in path.parts:
        raise ConfigError(
            f"setting 'worktree_include': {pattern!r} is not inside the repository; name globs "
            "relative to its root, e.g. src/pkg/_version.py"
        )


def _prefix(pattern: str) -> str:
    """The folders of ``pattern`` before its first wildcard ("" for the whole repository)."""
    literal = []
    for part in PurePosixPath(pattern).parts:
        if any(ch in part for ch in WILDCARDS):
            break
        literal.append(part)
    return "/".join(literal)


def _matches(rel: str, pattern: str) -> bool:
    """``pattern`` as ``fnmatch`` takes it, or a folder and everything in it."""
    folder = pattern.rstrip("/") + "/*"
    return fnmatch.fnmatchcase(rel, pattern) or fnmatch.fnmatchcase(rel, folder)
