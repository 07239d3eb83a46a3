"""Pushing and fetching with the token from a bare repository of ciopt's own: the configuration
planted in the client's repository, home and system never runs, never sees the token, and never
sends it elsewhere, and the push and the fetch still work."""

from __future__ import annotations

import base64
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from ciopt import proc
from ciopt.errors import ConfigError, RepoError
from ciopt.forges.remote import Remote
from ciopt.git import Git
from tests.forges.git_http import git_http
from tests.helpers import git
from tests.helpers.planted import plain_git, plant

USER, TOKEN = "x-access-token", "s3cret-forge-token"
BASIC = base64.b64encode(f"{USER}:{TOKEN}".encode()).decode()

Call = tuple[tuple[str, ...], Path | None, dict[str, str]]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[Call]:
    """Every process ciopt starts: its argv, folder and environment."""
    seen: list[Call] = []
    real_run = proc.run

    def recording(argv: Any, **kwargs: Any) -> proc.Completed:
        seen.append((tuple(str(a) for a in argv), kwargs.get("cwd"), dict(kwargs.get("env") or {})))
        return real_run(argv, **kwargs)

    monkeypatch.setattr(proc, "run", recording)
    return seen


@pytest.fixture
def tmpdir_of_ciopt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Where ciopt's temporary bare repositories go, to see them made and removed."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def _forge(example_repo: Path, root: Path) -> tuple[Path, str]:
    """The forge's repository (a bare clone) with a contributor's commit at refs/pull/7/head."""
    root.mkdir()
    bare = root / "textkit.git"
    git(root, "clone", "--quiet", "--bare", str(example_repo), str(bare))
    contributor = root / "contributor"
    git(root, "clone", "--quiet", str(bare), str(contributor))
    (contributor / "NOTES.md").write_text("faster\n")
    git(contributor, "add", "NOTES.md")
    git(contributor, "commit", "-qm", "notes")
    git(contributor, "push", "--quiet", str(bare), "HEAD:refs/pull/7/head")
    return bare, git(contributor, "rev-parse", "HEAD")


def _ciopt_commit(repo: Path) -> str:
    """A commit no branch points at, as ciopt's candidates are."""
    (repo / "src" / "textkit" / "tokens.py").write_text("# faster\n")
    git(repo, "commit", "-qam", "faster")
    sha = git(repo, "rev-parse", "HEAD")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    git(repo, "reflog", "expire", "--expire=now", "--all")
    return sha


def _token_stays_out_of_the_clients_repository(calls: list[Call], client: Path) -> None:
    assert calls
    with_token = [c for c in calls if any(BASIC in value for value in c[2].values())]
    assert with_token  # the forge was reached with it
    for argv, _, env in calls:
        assert TOKEN not in " ".join(argv) and BASIC not in " ".join(argv)
        assert not any(TOKEN in value for value in env.values())  # only ever as the header
    for argv, cwd, _ in with_token:
        assert cwd is not None and cwd.name == "forge.git" and cwd.parent.name.startswith("ciopt-")
        assert str(client) not in " ".join(argv)


def test_push_and_fetch_over_http_send_the_token_to_the_forge_only_and_run_nothing_planted(
    example_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    calls: list[Call],
    tmpdir_of_ciopt: Path,
) -> None:
    forges = tmp_path / "forges"
    bare, pull_head = _forge(example_repo, forges)
    main = git(bare, "rev-parse", "refs/heads/main")
    head = _ciopt_commit(example_repo)
    with git_http(forges, user=USER, token=TOKEN) as forge, git_http(None) as capture:
        url = f"{forge.url}/textkit.git"
        planted = plant(
            example_repo, tmp_path / "plant", monkeypatch, redirect={forge.url: capture.url}
        )
        remote = Remote(url, user=USER, token=TOKEN)
        assert remote.push(Git(example_repo), head, "ciopt/pr-7") is False
        assert remote.push(Git(example_repo), head, "ciopt/pr-7") is True  # it exists now
        fetched = remote.fetch_all(Git(example_repo), ["refs/pull/7/head", "refs/heads/main"])

        assert fetched == [pull_head, main]
        assert plain_git(bare, "rev-parse", "refs/heads/ciopt/pr-7") == head
        assert plain_git(example_repo, "rev-parse", "refs/ciopt/fetched/pull/7/head") == pull_head
        assert planted.fired() == []
        assert capture.requests == []  # no insteadOf was followed
        assert forge.requests
        assert all(r.get("authorization") == f"Basic {BASIC}" for r in forge.requests)
        assert not any("x-planted" in r for r in forge.requests)  # no planted extraHeader
        _token_stays_out_of_the_clients_repository(calls, example_repo)
        assert list(tmpdir_of_ciopt.iterdir()) == []  # the bare repositories are gone

        # the plant is armed: plain git in the checkout follows the rewrite and runs scripts
        subprocess.run(
            ["git", "ls-remote", url], cwd=example_repo, capture_output=True, check=False
        )
        subprocess.run(["git", "status"], cwd=example_repo, capture_output=True, check=False)
        assert capture.requests and "x-planted" in capture.requests[0]
        assert "env-fsmonitor" in planted.fired()


@pytest.mark.parametrize("form", ["path", "file-url"])
def test_push_and_fetch_to_a_local_forge_work_and_run_nothing_planted(
    form: str,
    example_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    calls: list[Call],
    tmpdir_of_ciopt: Path,
) -> None:
    bare, pull_head = _forge(example_repo, tmp_path / "forges")
    url = str(bare) if form == "path" else bare.as_uri()
    head = _ciopt_commit(example_repo)
    with git_http(None) as capture:
        planted = plant(example_repo, tmp_path / "plant", monkeypatch, redirect={url: capture.url})
        remote = Remote(url, user=USER, token=TOKEN)
        assert remote.push(Git(example_repo), head, "ciopt/issue-1") is False
        assert remote.fetch(Git(example_repo), "refs/pull/7/head") == pull_head

        assert plain_git(bare, "rev-parse", "refs/heads/ciopt/issue-1") == head
        assert planted.fired() == [] and capture.requests == []
        _token_stays_out_of_the_clients_repository(calls, example_repo)
        assert list(tmpdir_of_ciopt.iterdir()) == []


def test_a_planted_rewrite_of_the_local_fetch_fails_it_and_runs_nothing(
    example_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    tmpdir_of_ciopt: Path,
) -> None:
    """``insteadOf`` in the client's own config still applies to the fetch into it (from ciopt's
    bare repository, without the token): an ``ext::`` command there is refused, not run."""
    bare, _ = _forge(example_repo, tmp_path / "forges")
    prefix = str(tmpdir_of_ciopt / "ciopt-")
    planted = plant(example_repo, tmp_path / "plant", monkeypatch, ext_prefixes=[prefix])
    with pytest.raises(RepoError, match="fetch into"):
        Remote(str(bare), user=USER, token=TOKEN).fetch(Git(example_repo), "refs/pull/7/head")
    assert planted.fired() == []
    # the plant is armed: plain git runs the command
    subprocess.run(
        ["git", "ls-remote", f"{prefix}x"], cwd=example_repo, capture_output=True, check=False
    )
    assert "ext" in planted.fired()


@pytest.mark.parametrize(
    ("url", "transport"),
    [
        ("https://github.com/octo/textkit.git", "https"),
        ("http://gitlab.internal/group/textkit.git", "http"),
        ("/srv/git/textkit.git", "file"),
        ("file:///srv/git/textkit.git", "file"),
        ("relative/textkit.git", "file"),
    ],
)
def test_the_forge_is_reached_only_through_its_urls_own_transport(url: str, transport: str) -> None:
    assert Remote(url, user=USER, token=TOKEN).transport == transport


@pytest.mark.parametrize(
    "url",
    [
        "ssh://git@github.com/octo/textkit.git",
        "git@github.com:octo/textkit.git",
        "git://github.com/octo/textkit.git",
        "ext::sh -c touch% /tmp/pwned",
        "fd::17",
    ],
)
def test_a_forge_url_of_any_other_transport_is_refused(url: str) -> None:
    with pytest.raises(ConfigError, match="neither https:// nor a local path"):
        Remote(url, user=USER, token=TOKEN)
