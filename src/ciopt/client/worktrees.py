"""Worktrees: one git worktree per side (baseline, each candidate), outside the client's repo.

Each gets the checkout's ignored files the package needs (``include``, see ``client.include``).
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ciopt.client.include import copy_included
from ciopt.errors import RequestError
from ciopt.git import Git
from ciopt.request import selector_paths

__all__ = ["Sides", "Worktrees", "default_bench", "prepare"]


class Worktrees:
    """Creates detached worktrees of ``git`` under one temporary folder and removes them all.

    ``include``: files git ignores, copied from the checkout into each worktree as it is made.
    """

    def __init__(self, git: Git, root: Path | None = None, include: tuple[str, ...] = ()) -> None:
        self.git = git
        self.root = root or Path(tempfile.mkdtemp(prefix="ciopt-wt-"))
        self.include = include
        self._made: list[Path] = []

    def add(self, name: str, sha: str) -> Path:
        path = self.root / name
        self.git("worktree", "add", "--detach", "--force", str(path), sha)
        self._made.append(path)
        copy_included(self.git.path, path, self.include)
        return path

    def write(self, path: Path, files: dict[str, str]) -> None:
        """Write new contents of files that git tracks in the worktree at ``path``."""
        top = path.resolve()
        for rel, text in files.items():
            dest = (path / rel).resolve()
            known = dest.relative_to(top).as_posix() if dest.is_relative_to(top) else None
            if known is None or known in self.include or not dest.is_file():
                raise RequestError(f"{rel} is not a file of the repository")
            dest.write_text(text)

    def commit(self, path: Path, message: str) -> str:
        tree = Git(path)
        tree("add", "--update", "--", ".")  # tracked files only: never the included copies
        tree("commit", "--quiet", "--no-verify", "--allow-empty", "-m", message)
        return tree("rev-parse", "HEAD")

    def close(self) -> None:
        for path in self._made:
            self.git("worktree", "remove", "--force", str(path), check=False)
        self._made.clear()
        self.git("worktree", "prune", check=False)
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> Worktrees:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass(frozen=True)
class Sides:
    base_sha: str
    head_sha: str
    base: Path
    head: Path


def default_bench(root: Path) -> tuple[str, ...]:
    """``benchmarks/`` when the project has one, else the whole project."""
    return ("benchmarks",) if (root / "benchmarks").is_dir() else (".",)


def prepare(trees: Worktrees, git: Git, base: str, head: str, selectors: tuple[str, ...]) -> Sides:
    """A worktree per side, each holding every benchmark path that ``selectors`` name."""
    shas = {"base": git.resolve(base), "head": git.resolve(head)}
    roots = {side: trees.add(side, sha) for side, sha in shas.items()}
    for side, root in roots.items():
        for path in selector_paths(*selectors):
            if not (root / path).exists():
                raise RequestError(
                    f"--bench {path} does not exist at {side} ({shas[side][:12]}); "
                    "name an existing benchmark file or folder"
                )
    return Sides(shas["base"], shas["head"], roots["base"], roots["head"])
