"""System tools a test needs: skipped without them, or failed under ``CIOPT_REQUIRE_TOOLS``."""

from __future__ import annotations

import os
import shutil

import pytest

__all__ = ["REQUIRE_TOOLS", "require_command"]

# read at import: tests/conftest.py clears CIOPT_* variables before each test runs
REQUIRE_TOOLS = bool(os.environ.get("CIOPT_REQUIRE_TOOLS"))


def require_command(name: str, package: str, why: str) -> None:
    """Skip the test when ``name`` is not on PATH, or fail it under ``CIOPT_REQUIRE_TOOLS``
    (``make test`` and ``.ci/run`` set it), so CI never passes by skipping."""
    if shutil.which(name) is not None:
        return
    reason = f"needs {name} ({why}): install Debian's {package}"
    if REQUIRE_TOOLS:
        pytest.fail(f"CIOPT_REQUIRE_TOOLS is set, and this test {reason}")
    pytest.skip(reason)
