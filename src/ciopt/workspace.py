"""Worktrees: one git worktree per side (baseline, each candidate), outside the client's repo."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from ciopt.errors import RequestError
from ciopt.git import Git

__all__ = ["Worktrees"]


class Worktrees:
    """Creates detached worktrees of ``git`` under one temporary folder and removes them all."""

    def __init__(self, git: Git, root: Path | None = None) -> None:
        self.git = git
        self.root = root or Path(tempfile.mkdtemp(prefix="ciopt-wt-"))
        self._made: list[Path] = []

    def add(self, name: str, sha: str) -> Path:
        path = self.root / name
        self.git("worktree", "add", "--detach", "--force", str(path), sha)
        self._made.append(path)
        return path

    def write(self, path: Path, files: dict[str, str]) -> None:
        """Write new contents of files that already exist in the worktree at ``path``."""
        for rel, text in files.items():
            dest = (path / rel).resolve()
            if not dest.is_relative_to(path.resolve()) or not dest.is_file():
                raise RequestError(f"{rel} is not a file of the repository")
            dest.write_text(text)

    def commit(self, path: Path, message: str) -> str:
        tree = Git(path)
        tree("add", "--all", "--", ".")
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
