"""Create a git repository from the bundled ``examples/textkit`` project.

Usage::

    python examples/make_example_repo.py DEST [--force]

The project is copied to DEST (build and cache artifacts are skipped), a git
repository is initialised on branch ``main`` and everything is committed with a
fixed author, committer and date, so the resulting commit sha is the same on
every machine. Only the standard library is used.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

SOURCE = Path(__file__).resolve().parent / "textkit"

IGNORE_PATTERNS = ("__pycache__", ".venv", ".benchmarks", "*.egg-info", ".pytest_cache")

AUTHOR_NAME = "textkit dev"
AUTHOR_EMAIL = "dev@example.com"
COMMIT_DATE = "2026-01-01T00:00:00Z"
COMMIT_MESSAGE = "Initial import of textkit 0.1.0"


def _git_env() -> dict[str, str]:
    """Environment that pins identity and dates and ignores user git config."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        {
            "GIT_AUTHOR_NAME": AUTHOR_NAME,
            "GIT_AUTHOR_EMAIL": AUTHOR_EMAIL,
            "GIT_AUTHOR_DATE": COMMIT_DATE,
            "GIT_COMMITTER_NAME": AUTHOR_NAME,
            "GIT_COMMITTER_EMAIL": AUTHOR_EMAIL,
            "GIT_COMMITTER_DATE": COMMIT_DATE,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_CONFIG_GLOBAL": os.devnull,
        }
    )
    return env


def _git(dest: Path, *args: str) -> str:
    """Run ``git -C dest ARGS...`` and return its stripped standard output."""
    git = shutil.which("git")
    if git is None:
        raise FileNotFoundError("git executable not found on PATH")
    completed = subprocess.run(
        [git, "-C", str(dest), *args],
        check=True,
        capture_output=True,
        text=True,
        env=_git_env(),
    )
    return completed.stdout.strip()


def make_repo(dest: Path, force: bool = False) -> str:
    """Copy the textkit example to *dest*, commit it and return the commit sha.

    Raises:
        FileExistsError: if *dest* exists and is not an empty directory and
            *force* is false.
    """
    dest = Path(dest)
    if dest.exists() or dest.is_symlink():
        non_empty = not dest.is_dir() or any(dest.iterdir())
        if non_empty and not force:
            raise FileExistsError(
                f"{dest} already exists and is not empty (use --force to replace it)"
            )
        if dest.is_dir() and not dest.is_symlink():
            shutil.rmtree(dest)
        else:
            dest.unlink()

    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copytree(SOURCE, dest, ignore=shutil.ignore_patterns(*IGNORE_PATTERNS))

    _git(dest, "init", "-q", "-b", "main")
    _git(dest, "add", "-A")
    _git(
        dest,
        "-c",
        "commit.gpgsign=false",
        "-c",
        "core.autocrlf=false",
        "commit",
        "-q",
        "--no-verify",
        "-m",
        COMMIT_MESSAGE,
    )
    return _git(dest, "rev-parse", "HEAD")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Create a git repository containing the textkit example project."
    )
    parser.add_argument("dest", type=Path, help="directory to create")
    parser.add_argument(
        "--force",
        action="store_true",
        help="remove DEST first if it exists and is not empty",
    )
    args = parser.parse_args(argv)

    try:
        sha = make_repo(args.dest, force=args.force)
    except (FileExistsError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except subprocess.CalledProcessError as exc:
        print(f"error: {' '.join(exc.cmd)} failed:\n{exc.stderr}", file=sys.stderr)
        return 1

    print(args.dest.resolve())
    print(sha)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
