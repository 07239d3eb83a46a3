"""A pull request's head is pinned when the request is claimed: only that commit runs.

A maintainer's ``/optimize`` on a fork's pull request runs the commit the forge showed when the
job claimed the request (or the one ``sha=`` names), never one pushed after it. Real PyGithub and
python-gitlab talk to the stateful fakes; the pull request's refs live in a local bare repository.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import responses

from ciopt.config import Settings
from ciopt.errors import EnvironmentProblem, RequestError
from ciopt.forges import Forge, Thread, open_forge
from ciopt.git import Git
from ciopt.job import answer_requests
from ciopt.job.claim import read_marker
from ciopt.trace import Listener
from tests.helpers import REQUEST, git, winner_script
from tests.helpers.fake_github import FakeGitHub
from tests.helpers.fake_gitlab import FakeGitLab

ASK = f"/optimize {REQUEST}"


@pytest.fixture(autouse=True)
def _no_ci_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No CI variables from the machine running the tests; the fakes provide them."""
    for name in list(os.environ):
        if name.startswith(("GITHUB_", "GITLAB_", "CI_", "RUNNER_", "ACTIONS_")):
            monkeypatch.delenv(name)
    monkeypatch.delenv("CI", raising=False)
    yield


@pytest.fixture
def sentinel(tmp_path: Path) -> tuple[Path, Path]:
    """An interpreter that leaves a mark if anything runs the project's code."""
    ran, python = tmp_path / "ran", tmp_path / "python"
    python.write_text(f"#!/bin/sh\ntouch {ran}\nexit 1\n")
    python.chmod(0o755)
    return python, ran


def _push(repo: Path, remote: Path, ref: str, text: str) -> str:
    """A commit on top of ``repo``'s main, pushed to ``ref`` in ``remote`` only."""
    tokens = repo / "src" / "textkit" / "tokens.py"
    tokens.write_text(tokens.read_text() + f"\n# {text}\n")
    git(repo, "commit", "-qam", text)
    sha = git(repo, "rev-parse", "HEAD")
    git(repo, "push", "-q", "--force", str(remote), f"HEAD:{ref}")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    return sha


def _answer(
    repo: Path,
    env: Mapping[str, str],
    out: Path,
    python: Path,
    opener: Any = open_forge,
    listeners: Sequence[Listener] = (),
) -> int:
    flags = {
        "forge": "github" if "GITHUB_ACTIONS" in env else "gitlab",
        "python": str(python),
        "out": out,
        "model": f"scripted:{winner_script(out.parent)}",
        "forge_write_interval": 0,
    }
    return answer_requests(repo, env, flags, opener=opener, listeners=listeners)


def _moving(move: Callable[[], None]) -> Any:
    """An opener whose forge sees a push land on the pull request after the claim, just before
    its head is fetched."""

    class Moving:
        def __init__(self, forge: Forge) -> None:
            self._forge = forge

        def __getattr__(self, name: str) -> Any:
            return getattr(self._forge, name)

        def fetch(self, repo: Git, thread: Thread) -> tuple[str, str]:
            move()
            return self._forge.fetch(repo, thread)

    def opener(name: str, settings: Settings, environ: Mapping[str, str]) -> Any:
        return Moving(open_forge(name, settings, environ))

    return opener


def _verdict(out: Path) -> dict[str, Any]:
    verdict: dict[str, Any] = json.loads((out / "verdict.json").read_text())
    return verdict


def _events(out: Path, name: str) -> list[dict[str, Any]]:
    lines = (out / "trace.jsonl").read_text().splitlines()
    return [r for r in map(json.loads, lines) if r.get("name") == name]


def _progress(bodies: list[str]) -> list[str]:
    return [b for b in bodies if "<!-- ciopt:progress" in b]


def _fork_pull(
    rsps: responses.RequestsMock, remote: Path, head: str, ask: str, where: Path, role: str
) -> tuple[FakeGitHub, int, dict[str, str]]:
    """A fork's pull request at ``head`` and alice's (``role``) comment ``ask`` on it: the fake,
    the pull request's number and the Actions environment of the comment's event."""
    fake = FakeGitHub(rsps, clone_url=str(remote))
    fake.user("alice", permission=role)
    number = fake.pull("Docs", "", author="mallory", head_ref="p", head_sha=head, fork=True)
    comment = fake.add_comment(number, ask, author="alice")
    return (
        fake,
        number,
        fake.actions_env("issue_comment", fake.issue_comment(comment, number), where),
    )


@pytest.mark.parametrize("pin", ["", "sha"])
def test_a_forks_head_is_pinned_when_claimed_shown_and_run(
    pin: str,
    example_repo: Path,
    remote: Path,
    tmp_path: Path,
    sentinel: tuple[Path, Path],
) -> None:
    python, _ = sentinel
    head = _push(example_repo, remote, "refs/forks/mallory", "a fork's commit")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        ask = ASK + (f" sha={head[:12].upper()}" if pin else "")
        fake, number, env = _fork_pull(rsps, remote, head, ask, tmp_path, "maintain")
        out = tmp_path / "out"
        # the run starts on the pinned head: the project's interpreter is asked for pytest
        with pytest.raises(EnvironmentProblem, match="cannot import pytest"):
            _answer(example_repo, env, out, python)
        assert _verdict(out)["base"] == head

        posted = [c[2] for c in fake.calls if c[0] == "POST" and c[1].endswith("/comments")]
        claimed = _progress([p["body"] for p in posted if isinstance(p, dict)])[0]
        marker = read_marker(claimed)
        assert marker is not None and marker.head == head and marker.state == "running"
        assert f"Runs commit `{head[:12]}`, the head of this pull request" in claimed
        (fetch,) = [r for r in _events(out, "fetch") if r["type"] == "span_end"]
        assert fetch["attrs"]["pinned"] == fetch["attrs"]["head"] == head
        assert fetch["attrs"]["asked"] == (head[:12] if pin else None)
        (config,) = _events(out, "run.config")  # it went on to run the pinned head
        assert config["attrs"]["base"] == head
        assert not any("ciopt:reply moved" in c["body"] for c in fake.comments[number])


def test_a_push_between_the_claim_and_the_fetch_is_refused_and_nothing_runs(
    example_repo: Path,
    remote: Path,
    tmp_path: Path,
    sentinel: tuple[Path, Path],
) -> None:
    python, ran = sentinel
    head = _push(example_repo, remote, "refs/forks/mallory", "reviewed")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake, number, env = _fork_pull(rsps, remote, head, ASK, tmp_path, "write")
        pushed: list[str] = []

        def mallory_pushes() -> None:
            pushed.append(_push(example_repo, remote, f"refs/pull/{number}/head", "not reviewed"))
            fake.pulls[number]["head"]["sha"] = pushed[0]

        out = tmp_path / "out"
        assert _answer(example_repo, env, out, python, _moving(mallory_pushes)) == 0

        assert not ran.exists() and _events(out, "run.config") == []
        verdict = _verdict(out)
        assert (verdict["verdict"], verdict["reason"]) == ("skipped", "head_moved")
        assert f"moved from {head[:12]} to {pushed[0][:12]}" in verdict["message"]
        reply = fake.comments[number][-1]["body"]
        assert reply.startswith("<!-- ciopt:reply moved -->\n@alice, the head of this pull req")
        assert "so nothing was run. Comment `/optimize` again" in reply
        assert len(reply.strip().splitlines()) == 2  # the marker, and one line
        (progress,) = _progress([c["body"] for c in fake.comments[number]])
        marker = read_marker(progress)
        assert marker is not None and (marker.state, marker.head) == ("refused", head)
        assert "could not finish" in progress and pushed[0][:12] in progress
        labels = {label["name"] for label in fake.issues[number]["labels"]}
        assert labels == {"optimize:done"}
        assert fake.pulls == {number: fake.pulls[number]}  # nothing published


def test_a_sha_the_head_does_not_start_with_is_refused_and_nothing_runs(
    example_repo: Path,
    remote: Path,
    tmp_path: Path,
    sentinel: tuple[Path, Path],
) -> None:
    python, ran = sentinel
    head = _push(example_repo, remote, "refs/forks/mallory", "pushed after the review")
    reviewed = "0123abc0123a" if not head.startswith("0123abc0123a") else "4567def4567d"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake, number, env = _fork_pull(
            rsps, remote, head, f"{ASK} sha={reviewed}", tmp_path, "write"
        )
        out = tmp_path / "out"
        assert _answer(example_repo, env, out, python) == 0

        assert not ran.exists() and _events(out, "run.config") == []
        assert _verdict(out)["reason"] == "head_moved"
        reply = fake.comments[number][-1]["body"]
        assert f"it is {head[:12]}, not the {reviewed} asked for, so nothing was run" in reply


def test_a_sha_that_is_no_commit_is_a_request_error_and_nothing_runs(
    example_repo: Path,
    remote: Path,
    tmp_path: Path,
    sentinel: tuple[Path, Path],
) -> None:
    python, ran = sentinel
    head = _push(example_repo, remote, "refs/forks/mallory", "a fork's commit")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake, number, env = _fork_pull(rsps, remote, head, f"{ASK} sha=HEAD", tmp_path, "write")
        with pytest.raises(RequestError, match="sha='HEAD' is not a commit"):
            _answer(example_repo, env, tmp_path / "out", python)
        assert not ran.exists()
        (progress,) = _progress([c["body"] for c in fake.comments[number]])
        assert "sha='HEAD' is not a commit" in progress and '"state":"failed"' in progress


def test_a_merge_request_whose_head_moved_after_the_note_is_refused(
    example_repo: Path,
    remote: Path,
    tmp_path: Path,
    sentinel: tuple[Path, Path],
) -> None:
    """GitLab's note event carries the merge request's head when the note was written: a push
    between the note and the claim is caught too."""
    python, ran = sentinel
    noted = _push(example_repo, remote, "refs/heads/feature", "reviewed")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitLab(rsps, clone_url=str(remote))
        fake.user("alice", access_level=30)
        iid = fake.merge_request("Docs", "", author="bob", source_branch="feature", sha=noted)
        note = fake.add_note("mr", iid, ASK, author="alice")
        env = fake.ci_env("trigger", tmp_path, fake.note_hook(note, "mr", iid))
        later = _push(example_repo, remote, "refs/heads/feature", "pushed before the job")
        out = tmp_path / "out"
        assert _answer(example_repo, env, out, python) == 0

        assert not ran.exists() and _events(out, "run.config") == []
        assert _verdict(out)["reason"] == "head_moved"
        reply = fake.notes[("mr", iid)][-1]["body"]
        assert f"the head of this merge request moved from {noted[:12]} to {later[:12]}" in reply
        (progress,) = _progress([n["body"] for n in fake.notes[("mr", iid)]])
        assert f"Runs commit `{later[:12]}`, the head of this merge request" in progress


def test_the_commands_display_follows_the_requests_session(
    example_repo: Path,
    remote: Path,
    tmp_path: Path,
    sentinel: tuple[Path, Path],
) -> None:
    python, _ = sentinel
    head = _push(example_repo, remote, "refs/forks/mallory", "pushed after the review")
    reviewed = "0123abc0123a" if not head.startswith("0123abc0123a") else "4567def4567d"
    seen: list[dict[str, Any]] = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        _, _, env = _fork_pull(rsps, remote, head, f"{ASK} sha={reviewed}", tmp_path, "write")
        out = tmp_path / "out"
        assert _answer(example_repo, env, out, python, listeners=[seen.append]) == 0
    assert (seen[0]["type"], seen[0]["command"]) == ("header", "run")
    steps = [r["name"] for r in seen if r["type"] == "span_end"]
    assert steps == ["intake", "authorize", "claim", "fetch"]
    assert seen == [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
