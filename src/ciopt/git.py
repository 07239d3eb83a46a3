"""Git plumbing on a repository path, through ``ciopt.proc``."""

from __future__ import annotations

from pathlib import Path

from ciopt import proc
from ciopt.errors import RepoError

__all__ = ["Git"]

BOT_IDENTITY = ("ciopt", "ciopt@users.noreply.github.com")


class Git:
    """A git repository (or worktree) on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, *args: str, check: bool = True, stdin: str | None = None) -> str:
        name, email = BOT_IDENTITY
        argv = [
            "git",
            "-c",
            f"user.name={name}",
            "-c",
            f"user.email={email}",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "core.hooksPath=/dev/null",
            *args,
        ]
        done = proc.run(argv, cwd=self.path, timeout=120, stdin=stdin)
        if check and not done.ok:
            raise RepoError(f"git {' '.join(args)} failed in {self.path}: {done.tail(3)}")
        return done.stdout.strip()

    @classmethod
    def open(cls, path: Path) -> Git:
        """The repository at ``path``; a clear error when it is not one."""
        if not path.is_dir():
            raise RepoError(f"--repo {path} is not a directory; pass the path of a git checkout")
        done = proc.run(["git", "rev-parse", "--show-toplevel"], cwd=path, timeout=30)
        if not done.ok:
            raise RepoError(f"{path} is not a git repository; run `git init` there or pass --repo")
        return cls(Path(done.stdout.strip()))

    def resolve(self, ref: str) -> str:
        done = proc.run(["git", "rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=self.path)
        if not done.ok:
            raise RepoError(f"{ref!r} is not a commit in {self.path}; pass an existing ref")
        return done.stdout.strip()

    def dirty_files(self) -> list[str]:
        """Tracked files with uncommitted changes (untracked files do not matter to worktrees)."""
        out = self("status", "--porcelain", "--untracked-files=no")
        return [line[3:] for line in out.splitlines() if line.strip()]

    def show(self, sha: str, path: str) -> str | None:
        done = proc.run(["git", "show", f"{sha}:{path}"], cwd=self.path, timeout=30)
        return done.stdout if done.ok else None

    def diff(self, base: str, head: str) -> str:
        """A patch that ``git apply`` takes on ``base`` (unstripped: trailing blanks matter)."""
        argv = ["git", "diff", "--no-color", "--no-ext-diff", base, head]
        done = proc.run(argv, cwd=self.path, timeout=60)
        if not done.ok:
            raise RepoError(f"git diff {base} {head} failed: {done.tail(3)}")
        return done.stdout

    def changed_files(self, base: str, head: str) -> list[str]:
        return [f for f in self("diff", "--name-only", base, head).splitlines() if f]
