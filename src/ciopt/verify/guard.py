"""The file guard: a candidate may change only the files it is allowed to."""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence

__all__ = ["ALWAYS_FORBIDDEN", "violations"]

# Never editable by a candidate, whatever the configuration allows.
ALWAYS_FORBIDDEN = (
    "tests/*",
    "test/*",
    "*/tests/*",
    "*/test/*",
    "test_*.py",
    "*/test_*.py",
    "*_test.py",
    "benchmarks/*",
    "*/benchmarks/*",
    "bench/*",
    "conftest.py",
    "*/conftest.py",
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "tox.ini",
    "noxfile.py",
    "pytest.ini",
    "requirements*.txt",
    "*.lock",
    "MANIFEST.in",
    "Makefile",
    ".github/*",
    ".gitlab-ci.yml",
    ".gitlab/*",
    ".ciopt.toml",
    ".ciopt/*",
    ".pre-commit-config.yaml",
    ".git/*",
    ".gitattributes",
    ".gitmodules",
)


def violations(changed: Sequence[str], allowed: Sequence[str]) -> list[str]:
    """The changed paths a candidate may not touch: forbidden ones, or outside ``allowed``."""
    bad = []
    for path in changed:
        forbidden = any(fnmatch.fnmatchcase(path, pattern) for pattern in ALWAYS_FORBIDDEN)
        permitted = any(fnmatch.fnmatchcase(path, pattern) for pattern in allowed)
        if forbidden or not permitted:
            bad.append(path)
    return bad
