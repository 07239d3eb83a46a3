"""Wheels for the pip installs a job under gitlab-ci-local makes, so that they come from folders
instead of an index.

- ciopt's own wheel, built from this checkout for every test session, so the job installs the
  code under test (and the lock inside it);
- the index from the future (tests/lock/index.py): every locked wheel and a newer release of
  each, so the job's install proves it takes the lock's versions when newer ones are there;
- what the example pipeline's before_script installs for textkit: its test extra, the wheels of
  requirements/client.lock, downloaded once per lock and kept in ``build/gitlab-ci/`` (its build
  backend, setuptools, is in ciopt's lock).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

from tests.helpers import ROOT
from tests.helpers.lock_index import FutureIndex, download_locked, future_index, pip

__all__ = ["Wheelhouse", "build_wheelhouse"]

CACHE = ROOT / "build" / "gitlab-ci"
CLIENT_LOCK = ROOT / "requirements" / "client.lock"
LITTER = ("__pycache__", "*.egg-info", "*.pyc")


class Wheelhouse:
    def __init__(self, index: FutureIndex, client: Path, ciopt: Path) -> None:
        self.index = index
        self.client = client  # textkit's test dependencies
        self.ciopt = ciopt  # this checkout's wheel

    def pip_environ(self) -> dict[str, str]:
        """pip's settings for a job: these folders only, no index, no configuration file."""
        folders = (self.index.files, self.client, self.ciopt.parent)
        return {
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": " ".join(map(str, folders)),
            "PIP_CONFIG_FILE": os.devnull,
        }


def build_wheelhouse(session: Path) -> Wheelhouse:
    """The cached wheels (built when missing) and ciopt's wheel, built in ``session``."""
    digest = hashlib.sha256(CLIENT_LOCK.read_bytes()).hexdigest()[:16]
    client = CACHE / f"client-wheels-{digest}"
    if not client.is_dir():
        partial = CACHE / f"{client.name}.partial-{session.name}"
        download_locked(CLIENT_LOCK, partial)
        try:
            partial.rename(client)
        except OSError:  # another session finished first
            shutil.rmtree(partial, ignore_errors=True)
    source = session / "ciopt-source"  # a copy: setuptools leaves build/ in the tree it builds
    shutil.copytree(ROOT / "src", source / "src", ignore=shutil.ignore_patterns(*LITTER))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    own = session / "ciopt-wheel"
    index = future_index()
    pip("wheel", "--quiet", "--no-deps", "--no-index", "--find-links", str(index.files),
         "--wheel-dir", str(own), str(source))  # fmt: skip
    (wheel,) = own.glob("ciopt-*.whl")
    return Wheelhouse(index, client, wheel)
