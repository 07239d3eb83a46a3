"""Paths of this checkout, the bundled example project, and git for tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

__all__ = ["EXAMPLES", "ROOT", "git", "make_repo"]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

sys.path.insert(0, str(EXAMPLES))
from make_example_repo import make_repo  # noqa: E402


def git(repo: Path, *args: str) -> str:
    """``git ARGS`` in ``repo`` as a test's author; its output, stripped."""
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()
