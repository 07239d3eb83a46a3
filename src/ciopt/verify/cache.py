"""A baseline's recording, kept between runs: a second ``compare`` or ``run`` of the same base
reuses it instead of running the tests again with the recorder on.

The key is everything the recording depends on: the base commit and the files git does not track
that its worktree holds (the copies of ``worktree_include``), the interpreter (its path, version
and the state of its site-packages), what is recorded (functions, selectors, benchmarks, bounds)
and the recorder itself (its files in ``ciopt/inject``). Any change is a new key.

Entries live in ``cache_dir`` (default ``$XDG_CACHE_HOME/ciopt``, else ``~/.cache/ciopt``) under
``recordings/``, readable by ciopt's user alone: a recording holds the arguments the tests passed.
The code under test never sees this folder (the sandbox shows it no home, the uid executor runs
as another user).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ciopt.git import Git
from ciopt.inject import INJECT_DIR

__all__ = ["RecordingCache", "default_cache_dir", "worktree_state"]

RECORDER = ("ciopt_probe.py", "ciopt_record.py", "ciopt_shapes.py", "ciopt_values.py")
_SCRATCH = {"__pycache__", ".pytest_cache", ".benchmarks", ".hypothesis", ".mypy_cache"}


def default_cache_dir(environ: Mapping[str, str]) -> Path:
    base = environ.get("XDG_CACHE_HOME") or str(Path(environ.get("HOME") or Path.home(), ".cache"))
    return Path(base) / "ciopt"


def worktree_state(root: Path, python: str) -> dict[str, Any]:
    """What of the baseline's worktree and interpreter a recording depends on."""
    git = Git(root)
    untracked = {}
    for rel in sorted(filter(None, git("ls-files", "-z", "--others").split("\0"))):
        path = root / rel
        if _SCRATCH.isdisjoint(Path(rel).parts) and path.is_file() and not path.is_symlink():
            untracked[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    venv = Path(python).parent.parent
    return {
        "commit": git("rev-parse", "HEAD"),
        "untracked": untracked,
        "python": python,
        "site": sorted(
            (str(p), p.stat().st_mtime_ns) for p in venv.glob("lib*/python*/site-packages")
        ),
        "recorder": {
            name: hashlib.sha256((INJECT_DIR / name).read_bytes()).hexdigest() for name in RECORDER
        },
    }


class RecordingCache:
    """Recordings by key, in ``folder``."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder / "recordings"

    @staticmethod
    def key(parts: Mapping[str, Any]) -> str:
        text = json.dumps(parts, sort_keys=True, separators=(",", ":"), default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def fetch(self, key: str, dest: Path) -> bool:
        """Copy the recording under ``key`` to ``dest``; False when there is none."""
        entry = self.folder / f"{key}.pkl"
        if not entry.is_file():
            return False
        shutil.copyfile(entry, dest)
        return True

    def store(self, key: str, source: Path) -> None:
        """Keep ``source`` under ``key`` (written whole, then renamed; mode 0600)."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(self.folder, 0o700)
        tmp = self.folder / f".{key}.{os.getpid()}.tmp"
        with open(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "wb") as fh:
            fh.write(source.read_bytes())
        os.replace(tmp, self.folder / f"{key}.pkl")
