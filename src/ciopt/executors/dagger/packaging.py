"""What decides the test container's install: the packaging files, their hash, pip's arguments.

The hash names pip's cache volume and keys the test container, so every unit of a fanned-out
run (and every later run) whose packaging files are the same shares both; on one engine, they
also share the install step itself (``executor``). The ``dagger/`` module keeps a copy of
``PACKAGING`` and computes the same hash from a ``Directory``.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

__all__ = ["PACKAGING", "install_args", "packaging_files", "packaging_hash", "pip_volume"]

# Globs, relative to the project's root, of the files that decide what pip installs.
PACKAGING = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "Pipfile",
    "*.lock",  # poetry.lock, uv.lock, pdm.lock, Pipfile.lock, requirements.lock
    "requirements*.txt",
    "requirements*.in",
    "requirements/*.txt",
    "constraints*.txt",
)


def packaging_files(root: Path) -> list[str]:
    """The packaging files of ``root``: relative POSIX paths, sorted."""
    found = {p.relative_to(root).as_posix() for g in PACKAGING for p in root.glob(g) if p.is_file()}
    return sorted(found)


def packaging_hash(root: Path) -> str:
    """sha256 over the packaging files' names and contents (hex): nothing else of ``root``."""
    digest = hashlib.sha256()
    for name in packaging_files(root):
        digest.update(name.encode() + b"\0" + (root / name).read_bytes() + b"\0")
    return digest.hexdigest()


def pip_volume(prefix: str, key: str) -> str:
    """The name of pip's cache volume for the packaging hash ``key``."""
    return f"{prefix}-{key[:16]}"


def install_args(root: Path) -> list[str]:
    """``pip install``'s arguments for the project (before pytest and pytest-benchmark)."""
    packaged = (root / "pyproject.toml").is_file() or (root / "setup.py").is_file()
    args = ["-e", "."] if packaged else []
    if (root / "requirements.txt").is_file():
        args += ["-r", "requirements.txt"]
    return args
