from __future__ import annotations

from pathlib import Path

import pytest

from ciopt.config import Settings
from ciopt.errors import ConfigError
from ciopt.forges import open_forge
from ciopt.git import Git
from tests.helpers import git


def _commit(repo: Path, text: str) -> str:
    (repo / "src" / "textkit" / "tokens.py").write_text(text)
    git(repo, "commit", "-qam", "change")
    sha = git(repo, "rev-parse", "HEAD")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    return sha


def test_publishing_twice_updates_one_branch_and_one_pull(example_repo: Path) -> None:
    forge = open_forge("local", Settings(), {})
    repo = Git(example_repo)
    first_sha = _commit(example_repo, "# one\n")
    first = forge.publish(repo, branch="ciopt/x", head=first_sha, title="T1", body="body one")
    assert not first.updated
    assert git(example_repo, "rev-parse", "ciopt/x") == first_sha

    second_sha = _commit(example_repo, "# two\n")
    second = forge.publish(repo, branch="ciopt/x", head=second_sha, title="T2", body="body two")
    assert second.updated and second.url == first.url
    assert git(example_repo, "rev-parse", "ciopt/x") == second_sha
    pulls = list((example_repo / ".git" / "ciopt" / "pulls").iterdir())
    assert len(pulls) == 1
    assert "body two" in pulls[0].read_text() and "body one" not in pulls[0].read_text()
    assert git(example_repo, "branch", "--list", "ciopt/*").count("ciopt/") == 1


def test_unknown_forge_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="use one of: github, gitlab, jira, local, none"):
        open_forge("bitbucket", Settings(), {})
