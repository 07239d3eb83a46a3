"""Fixtures of the end-to-end tests."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

CI_PREFIXES = ("GITHUB_", "GITLAB_", "CI_", "TRIGGER_", "RUNNER_", "ACTIONS_", "JIRA_")


@pytest.fixture
def ci_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No CI, forge or Jira variables from the machine running the tests; the fakes give
    their own."""
    for name in list(os.environ):
        if name.startswith(CI_PREFIXES):
            monkeypatch.delenv(name)
    monkeypatch.delenv("CI", raising=False)
    yield
