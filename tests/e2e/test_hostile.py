"""A hostile repository against ``ciopt run --forge github``, with random secrets planted.

ciopt runs as a process of its own (as in a CI step), its environment holding the planted
secrets, against FakeGitHub served over HTTP. The repository's benchmark dumps everything it can
read: its environment, every ``/proc/<pid>/environ`` and ``cmdline`` it can see (ciopt's pid
guessed too), the home folder, the main repository's ``.git/config``, the event file and the
runner's credentials file; the dump travels out encoded in pytest-benchmark's JSON, and the test
looks in it for every planted value in every form. The checkout carries every piece of git
configuration that runs a program (``tests.helpers.planted``), with ``url.*.insteadOf`` sending
the remote to a capture server. The model's first candidate escapes (reads environments, writes
beside its results, leaves a process running); the second is the demo's honest winner.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import responses

from tests.helpers import BENCH, ISSUE_BODY, git, winner_script
from tests.helpers.fake_github import FakeGitHub
from tests.helpers.hostile import alive, arm, dumps_in, escaping_script, leaks
from tests.helpers.planted import plain_git, plant
from tests.helpers.serve import free_address, serve

pytestmark = pytest.mark.e2e
CI_PREFIXES = ("GITHUB_", "GITLAB_", "CI_", "RUNNER_", "ACTIONS_", "CIOPT_")


class Capture:
    """An HTTP server that records the headers of every request it gets."""

    def __init__(self) -> None:
        self.headers: list[dict[str, str]] = []
        seen = self.headers

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                seen.append(dict(self.headers.items()))
                self.send_error(404)

            do_POST = do_GET

            def log_message(self, format: str, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def capture() -> Iterator[Capture]:
    server = Capture()
    yield server
    server.close()


def _planted_secrets() -> dict[str, str]:
    return {
        "OPENAI_API_KEY": "sk-" + secrets.token_hex(24),
        "GITHUB_TOKEN": "ghs_" + secrets.token_hex(18),
        "CIOPT_GITHUB_TOKEN": "ghp_" + secrets.token_hex(18),
        "DATABASE_URL": f"postgres://app:{secrets.token_hex(12)}@db.internal/prod",
    }


def _ciopt(
    env: dict[str, str], planted: dict[str, str], *args: str
) -> subprocess.CompletedProcess[str]:
    """``ciopt run --forge github`` as a process of its own, holding the planted secrets."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(CI_PREFIXES)}
    full = {**base, **env, **planted, "CIOPT_FORGE_WRITE_INTERVAL": "0"}
    return subprocess.run(
        [sys.executable, "-m", "ciopt", "run", "--forge", "github", *args],
        env=full,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def _verdict(out: Path) -> dict[str, Any]:
    verdict: dict[str, Any] = json.loads((out / "verdict.json").read_text())
    return verdict


def _setup(example_repo: Path, root: Path) -> tuple[dict[str, str], Any, dict[str, str]]:
    """Plant the secrets of the runner: a home with credentials, a token in the checkout's
    ``.git/config`` (as a checkout that persists credentials leaves it), and every piece of git
    configuration that runs a program, in the checkout and in the environment ciopt gets (the
    test's own process, and the fake's git in it, keep theirs)."""
    runner = {"HEADER": secrets.token_hex(16), "CREDENTIAL": secrets.token_hex(16)}
    git(example_repo, "config", "http.extraheader", f"AUTHORIZATION: basic {runner['HEADER']}")
    before = dict(os.environ)
    scoped = pytest.MonkeyPatch()
    try:
        planted = plant(example_repo, root, scoped)
        environ = {k: v for k, v in os.environ.items() if before.get(k) != v}
    finally:
        scoped.undo()
    assert environ["HOME"] == str(root / "home")
    (root / "home" / ".git-credentials").write_text(
        f"https://x:{runner['CREDENTIAL']}@github.com\n"
    )
    return runner, planted, environ


def _known(root: Path, event: Path) -> list[str]:
    """The files an attacker who knows the runner would try: the event file, home's
    credentials and git configuration."""
    home = root / "home"
    return [str(event), str(home / ".git-credentials"), str(home / ".gitconfig")]


def _check(
    out: Path,
    done: subprocess.CompletedProcess[str],
    everything: dict[str, str],
    planted: Any,
    capture: Capture,
    mark: str,
) -> dict[str, Any]:
    assert done.returncode == 0, done.stdout + done.stderr
    dumps = dumps_in(out)
    assert dumps, "the hostile benchmark left no dump"
    for dump in dumps:
        assert dump["counts"]["proc"] >= 2  # it looked
        assert leaks(dump, everything) == []
    assert planted.fired() == []
    assert [h for h in capture.headers if "Authorization" in h] == []
    verdict = _verdict(out)
    assert verdict["isolation"].startswith("sandbox (bubblewrap")
    escaped, honest = verdict["candidates"]
    assert (escaped["outcome"], escaped["reason"]) == ("rejected", "sandbox_violation")
    assert "left" in escaped["message"] and mark in escaped["message"]
    assert "wrote outside its worktree" in escaped["message"]
    assert honest["reason"] == "verified_faster"
    assert alive(mark) == []
    assert not list(out.rglob("stolen-*"))
    return verdict


def _arm(repo: Path, tmp_path: Path) -> str:
    """Commit the hostile benchmark; it reads, among others, ``tmp_path/event.json`` (where
    ``_attack`` puts the event) and the planted home. The commit's sha."""
    pids = range(os.getpid(), os.getpid() + 400)  # ciopt's is among the next ones
    known = _known(tmp_path / "plant", tmp_path / "event.json")
    return arm(repo, paths=known, pids=pids, message="benchmarks: dump")


def _attack(
    repo: Path,
    tmp_path: Path,
    *,
    python: str,
    remote: Path,
    capture: Capture,
    rsps: responses.RequestsMock,
    fake: FakeGitHub,
    env: dict[str, str],
) -> dict[str, Any]:
    """Plant everything, answer the event with ciopt holding the secrets and the escaping
    model, and check that nothing leaked, ran or outlived the job; the verdict."""
    mark = "ciopt-hostile-" + secrets.token_hex(4)
    planted_env = _planted_secrets()
    fake.token = planted_env["CIOPT_GITHUB_TOKEN"]  # the one it accepts
    event, event_secret = tmp_path / "event.json", secrets.token_hex(16)
    payload = json.loads(Path(env["GITHUB_EVENT_PATH"]).read_text())
    event.write_text(json.dumps({**payload, "planted": event_secret}))
    runner, planted, planted_git = _setup(repo, tmp_path / "plant")
    plain_git(repo, "config", f"url.{capture.url}/.insteadOf", str(remote))
    out = tmp_path / "out"
    model = escaping_script(tmp_path, mark)
    with serve(rsps, fake.api_url):
        done = _ciopt(
            env | planted_git | {"GITHUB_EVENT_PATH": str(event)},
            planted_env,
            "--repo", str(repo), "--python", python,
            "--model", f"scripted:{model}", "--out", str(out),
        )  # fmt: skip
    everything = {**planted_env, **runner, "EVENT": event_secret}
    return _check(out, done, everything, planted, capture, mark)


def test_a_hostile_default_branch_and_an_escaping_candidate_on_a_labeled_issue(
    example_repo: Path,
    remote: Path,
    client_python: str,
    tmp_path: Path,
    capture: Capture,
) -> None:
    _arm(example_repo, tmp_path)
    git(example_repo, "push", "-q", str(remote), "HEAD:refs/heads/main")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=str(remote), api_url=free_address())
        fake.user("alice", permission="write")
        body = ISSUE_BODY.replace("candidates=1", "candidates=2")
        number = fake.issue("Speed up dedupe", body, author="alice", labels=["optimize"])
        payload = fake.issues_labeled(number, label="optimize", sender="alice")
        env = fake.actions_env("issues", payload, tmp_path)
        verdict = _attack(
            example_repo, tmp_path, python=client_python, remote=remote, capture=capture,
            rsps=rsps, fake=fake, env=env,
        )  # fmt: skip
        assert verdict["pr_url"] and len(fake.pulls) == 1


def test_a_hostile_fork_pull_request_runs_only_its_reviewed_head_in_the_sandbox(
    example_repo: Path,
    remote: Path,
    client_python: str,
    tmp_path: Path,
    capture: Capture,
) -> None:
    """The fork's head is the hostile code (the baseline a maintainer asked to speed up)."""
    head = _arm(example_repo, tmp_path)
    git(example_repo, "push", "-q", str(remote), "HEAD:refs/forks/mallory")
    git(example_repo, "reset", "-q", "--hard", "HEAD~1")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=str(remote), api_url=free_address())
        fake.user("mallory", permission="read")
        fake.user("alice", permission="maintain")
        number = fake.pull(
            "Faster benchmarks", "", author="mallory", head_ref="patch-1", head_sha=head, fork=True
        )
        ask = f"/optimize target=src/textkit/tokens.py::dedupe bench={BENCH} candidates=2"
        comment = fake.add_comment(number, f"{ask} sha={head[:12]}", author="alice")
        env = fake.actions_env("issue_comment", fake.issue_comment(comment, number), tmp_path)
        verdict = _attack(
            example_repo, tmp_path, python=client_python, remote=remote, capture=capture,
            rsps=rsps, fake=fake, env=env,
        )  # fmt: skip
        assert verdict["base"] == head and verdict["pr_url"] is None
        assert len(fake.pulls) == 1  # the fork's own: ciopt cannot push there
        [progress] = [c for c in fake.comments[number] if "<!-- ciopt:progress" in c["body"]]
        assert f"`{head[:12]}`" in progress["body"] and "sandbox (bubblewrap" in progress["body"]


def test_a_forge_run_with_no_isolation_runs_nothing_and_says_why(
    example_repo: Path, remote: Path, client_python: str, tmp_path: Path
) -> None:
    """No Dagger, no bubblewrap, no setpriv on PATH, and no allow_unisolated: nothing runs."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    arm(example_repo, paths=[], pids=[], message="benchmarks: dump")
    git(example_repo, "push", "-q", str(remote), "HEAD:refs/heads/main")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=str(remote), api_url=free_address())
        fake.user("alice", permission="write")
        number = fake.issue("Speed up dedupe", ISSUE_BODY, author="alice", labels=["optimize"])
        payload = fake.issues_labeled(number, label="optimize", sender="alice")
        env = fake.actions_env("issues", payload, tmp_path) | {"PATH": str(bin_dir)}
        out = tmp_path / "out"
        with serve(rsps, fake.api_url):
            model = winner_script(tmp_path)
            done = _ciopt(env, {}, "--repo", str(example_repo), "--python", client_python,
                          "--model", f"scripted:{model}", "--out", str(out))  # fmt: skip
        assert done.returncode != 0
        said = done.stdout + done.stderr
        [line] = [ln for ln in said.splitlines() if "ciopt ran nothing" in ln]
        assert "bubblewrap is not installed" in line and "allow_unisolated = true" in line
        verdict = _verdict(out)
        assert (verdict["verdict"], verdict["reason"]) == ("error", "unisolated")
        assert dumps_in(out) == [] and not list((out / "bench").glob("*.json"))
        [progress] = [c for c in fake.comments[number] if "<!-- ciopt:progress" in c["body"]]
        assert "ciopt ran nothing" in progress["body"]
