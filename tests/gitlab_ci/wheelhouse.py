"""Wheels for the pip installs a job under gitlab-ci-local makes, so that they resolve from a
folder instead of an index (resolving ciopt's dependency tree from an index takes most of a
minute).

The dependencies are built once per dependency set and kept in ``build/gitlab-ci/``; ciopt's own
wheel is built from this checkout for every test session, so the job installs the code under
test.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

from conftest import EXAMPLES, ROOT

__all__ = ["Wheelhouse", "build_wheelhouse"]

CACHE = ROOT / "build" / "gitlab-ci"
# what the example pipeline installs next to ciopt: textkit's test extra and its build backend
EXTRA = ("pytest>=7", "pytest-benchmark>=4", "setuptools>=68", "wheel")
LITTER = ("__pycache__", "*.egg-info", "*.pyc")


class Wheelhouse:
    def __init__(self, dependencies: Path, ciopt: Path) -> None:
        self.dependencies = dependencies
        self.ciopt = ciopt  # this checkout's wheel

    def pip_environ(self) -> dict[str, str]:
        """pip's settings for a job: these folders only, no index."""
        return {"PIP_NO_INDEX": "1", "PIP_FIND_LINKS": f"{self.dependencies} {self.ciopt.parent}"}


def build_wheelhouse(session: Path) -> Wheelhouse:
    """The cached dependency wheels (built when missing) and ciopt's wheel, built in ``session``."""
    pyprojects = [ROOT / "pyproject.toml", EXAMPLES / "textkit" / "pyproject.toml"]
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in pyprojects) + repr(EXTRA).encode())
    dependencies = CACHE / f"wheels-{digest.hexdigest()[:16]}"
    source = session / "ciopt-source"  # a copy: setuptools leaves build/ in the tree it builds
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns(*LITTER))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    if not dependencies.is_dir():
        partial = CACHE / f"{dependencies.name}.partial-{session.name}"
        _pip("wheel", "--quiet", "--wheel-dir", str(partial), str(source), *EXTRA)
        for own in partial.glob("ciopt-*.whl"):
            own.unlink()
        try:
            partial.rename(dependencies)
        except OSError:  # another session finished first
            shutil.rmtree(partial, ignore_errors=True)
    own = session / "ciopt-wheel"
    _pip("wheel", "--quiet", "--no-deps", "--no-index", "--find-links", str(dependencies),
         "--wheel-dir", str(own), str(source))  # fmt: skip
    (wheel,) = own.glob("ciopt-*.whl")
    return Wheelhouse(dependencies, wheel)


def _pip(*args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"pip {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
