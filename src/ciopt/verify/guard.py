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
    ".circleci/*",
    ".travis.yml",
    "azure-pipelines.yml",
    "Jenkinsfile",
    "Pipfile",
    "Pipfile.lock",
    # code Python runs at start-up: a candidate could change how everything is timed
    "sitecustomize.py",
    "*/sitecustomize.py",
    "usercustomize.py",
    "*/usercustomize.py",
    "*.pth",
)


def violations(
    changed: Sequence[str], allowed: Sequence[str], protected: Sequence[str] = ()
) -> list[str]:
    """The changed paths a candidate may not touch: forbidden ones, or outside ``allowed``.

    ``protected`` adds the files and folders the run itself relies on: the request's tests and
    benchmarks, wherever they are.
    """
    forbidden = [*ALWAYS_FORBIDDEN, *protected, *(f"{p.rstrip('/')}/*" for p in protected)]
    bad = []
    for path in changed:
        refused = any(fnmatch.fnmatchcase(path, pattern) for pattern in forbidden)
        permitted = any(fnmatch.fnmatchcase(path, pattern) for pattern in allowed)
        if refused or not permitted:
            bad.append(path)
    return bad
