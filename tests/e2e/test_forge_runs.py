"""``ciopt run --forge github|gitlab`` end to end: a webhook payload in, real PyGithub and
python-gitlab talking HTTP to stateful fakes, a push to a local bare repository standing in for
the remote, comments, labels and one draft pull/merge request out.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
import responses

from ciopt.cli import main
from tests.helpers import BENCH, ISSUE_BODY, REQUEST, git, winner_script
from tests.helpers.fake_github import FakeGitHub
from tests.helpers.fake_gitlab import FakeGitLab

pytestmark = pytest.mark.e2e


@pytest.fixture
def winner(tmp_path: Path) -> Path:
    """The demo's winning reply and its explanation: one candidate, verified faster."""
    return winner_script(tmp_path)


def _run(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], forge: str, *args: str) -> int:
    with monkeypatch.context() as scoped:
        for name, value in env.items():
            scoped.setenv(name, value)
        scoped.setenv("CIOPT_FORGE_WRITE_INTERVAL", "0")
        return main(["run", "--forge", forge, *args])


def _document_dedupe(repo: Path) -> str:
    """A pull request's commit that edits dedupe's docstring: dedupe is what it changed."""
    tokens = repo / "src" / "textkit" / "tokens.py"
    tokens.write_text(tokens.read_text().replace("hashable tokens", "hashable tokens (str)", 1))
    git(repo, "commit", "-qam", "document dedupe")
    return git(repo, "rev-parse", "HEAD")


def _verdict(out: Path) -> dict[str, Any]:
    verdict: dict[str, Any] = json.loads((out / "verdict.json").read_text())
    return verdict


def _progress(comments: list[dict[str, Any]], field: str = "body") -> list[dict[str, Any]]:
    return [c for c in comments if "<!-- ciopt:progress" in c[field]]


@pytest.mark.usefixtures("ci_env")
def test_a_labeled_issue_yields_one_draft_pull_request_and_a_rerun_updates_it(
    example_repo: Path,
    remote: Path,
    winner: Path,
    client_python: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=str(remote))
        fake.user("alice", permission="write")
        number = fake.issue("Speed up dedupe", ISSUE_BODY, author="alice", labels=["optimize"])
        payload = fake.issues_labeled(number, label="optimize", sender="alice")
        # the first pull request creation hits the rate limit, then succeeds
        reset = str(int(time.time()))
        fake.fail(
            "POST",
            r"/repos/octo/textkit/pulls$",
            403,
            headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": reset},
            body={"message": "API rate limit exceeded for installation ID 1."},
        )
        args = ("--repo", str(example_repo), "--python", client_python,
                "--model", f"scripted:{winner}")  # fmt: skip
        first_out = tmp_path / "first"
        env = fake.actions_env("issues", payload, tmp_path, GITHUB_RUN_ID="101")
        assert _run(monkeypatch, env, "github", *args, "--out", str(first_out)) == 0

        first = _verdict(first_out)
        assert (first["verdict"], first["reason"]) == ("faster", "verified_faster")
        pulls = list(fake.pulls.values())
        assert len(pulls) == 1
        pull = pulls[0]
        assert pull["draft"] is True
        assert pull["head"]["ref"] == "ciopt/issue-1" and pull["base"]["ref"] == "main"
        assert pull["body"] == (first_out / "report.md").read_text()
        assert first["pr_url"] == pull["html_url"]
        assert git(remote, "rev-parse", "refs/heads/ciopt/issue-1") == first["head"]
        creates = [c for c in fake.calls if c[0] == "POST" and c[1].endswith("/pulls")]
        assert len(creates) == 2  # rate-limited once, retried
        assert first["origin"]["requested_by"] == "alice" and first["origin"]["via"] == "label"
        assert first["origin"]["job_url"].endswith("/actions/runs/101")

        progress = _progress(fake.comments[number])
        assert len(progress) == 1
        body = progress[0]["body"]
        assert pull["html_url"] in body and '"state":"done"' in body
        assert body.rstrip().endswith("#artifacts)")
        labels = {label["name"] for label in fake.issues[number]["labels"]}
        assert "optimize:done" in labels and not labels & {"optimize", "optimize:running"}

        # a person adds the label again: the same branch and pull request are updated
        fake.label_event(number, "optimize", actor="alice")
        second_out = tmp_path / "second"
        env = fake.actions_env("issues", payload, tmp_path, GITHUB_RUN_ID="102")
        assert _run(monkeypatch, env, "github", *args, "--out", str(second_out)) == 0
        second = _verdict(second_out)
        assert len(fake.pulls) == 1
        assert pull["body"] == (second_out / "report.md").read_text()
        assert second["run_id"] in pull["body"] and first["run_id"] not in pull["body"]
        assert git(remote, "rev-parse", "refs/heads/ciopt/issue-1") == second["head"]
        progress = _progress(fake.comments[number])
        assert len(progress) == 1 and "/actions/runs/102" in progress[0]["body"]
        assert "/actions/runs/101" not in progress[0]["body"]


@pytest.mark.usefixtures("ci_env")
def test_a_comment_from_someone_without_write_access_is_refused_and_runs_nothing(
    example_repo: Path, remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran = tmp_path / "ran"
    python = tmp_path / "python"  # any use of the client's interpreter leaves a mark
    python.write_text(f"#!/bin/sh\ntouch {ran}\nexit 1\n")
    python.chmod(0o755)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=str(remote))
        fake.user("mallory", permission="read")
        number = fake.issue("Speed up dedupe", "", author="mallory")
        comment = fake.add_comment(number, f"/optimize {REQUEST}", author="mallory")
        env = fake.actions_env("issue_comment", fake.issue_comment(comment, number), tmp_path)
        out = tmp_path / "out"
        args = ("--repo", str(example_repo), "--python", str(python), "--out", str(out),
                "--model", "openai/never-called")  # fmt: skip
        assert _run(monkeypatch, env, "github", *args) == 0

        assert not ran.exists()
        replies = fake.comments[number][1:]
        assert len(replies) == 1 and "@mallory" in replies[0]["body"]
        assert "write access" in replies[0]["body"] and "Nothing was run" in replies[0]["body"]
        assert fake.issues[number]["labels"] == [] and fake.pulls == {}
        verdict = _verdict(out)
        assert (verdict["verdict"], verdict["reason"]) == ("skipped", "unauthorized")
        trace = (out / "trace.jsonl").read_text()
        assert '"name": "authorize"' in trace and '"allowed": false' in trace


@pytest.mark.usefixtures("ci_env")
@pytest.mark.parametrize(
    ("author", "bot", "body", "action"),
    [
        ("dependabot[bot]", True, "/optimize", "created"),
        ("github-actions[bot]", True, "<!-- ciopt:reply --> /optimize", "created"),
        ("alice", False, "/optimize", "edited"),
        ("alice", False, "looks good, no trigger here", "created"),
    ],
)
def test_bots_own_comments_edits_and_chatter_are_ignored(
    author: str,
    bot: bool,
    body: str,
    action: str,
    example_repo: Path,
    remote: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=str(remote))
        fake.user(author, permission="write", bot=bot)
        number = fake.issue("Speed up dedupe", "", author="alice")
        comment = fake.add_comment(number, body, author=author)
        payload = fake.issue_comment(comment, number, action=action)
        env = fake.actions_env("issue_comment", payload, tmp_path)
        out = tmp_path / "out"
        assert _run(monkeypatch, env, "github", "--repo", str(example_repo), "--out", str(out)) == 0
        assert "nothing to do" in capsys.readouterr().out
        assert [c for c in fake.calls if c[0] != "GET"] == []
        assert not (out / "verdict.json").exists()


@pytest.mark.usefixtures("ci_env")
def test_an_mr_note_without_a_target_optimizes_what_the_mr_changed_and_targets_its_branch(
    example_repo: Path,
    remote: Path,
    winner: Path,
    client_python: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    git(example_repo, "checkout", "-qb", "speedups")
    head = _document_dedupe(example_repo)
    git(example_repo, "push", "-q", str(remote), "speedups")
    git(example_repo, "checkout", "-q", "main")
    git(example_repo, "branch", "-qD", "speedups")  # the job's checkout has only main
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitLab(rsps, clone_url=str(remote))
        fake.user("alice", access_level=30)
        iid = fake.merge_request(
            "Document dedupe", "", author="alice", source_branch="speedups", sha=head
        )
        note = fake.add_note("mr", iid, f"/optimize bench={BENCH} candidates=1", author="alice")
        # the first note the job writes meets a 429 with Retry-After, then succeeds
        fake.fail("POST", rf"/merge_requests/{iid}/notes$", 429, headers={"Retry-After": "0"})
        env = fake.ci_env("trigger", tmp_path, fake.note_hook(note, "mr", iid))
        out = tmp_path / "out"
        args = ("--repo", str(example_repo), "--python", client_python, "--out", str(out),
                "--model", f"scripted:{winner}")  # fmt: skip
        assert _run(monkeypatch, env, "gitlab", *args) == 0

        verdict = _verdict(out)
        assert (verdict["verdict"], verdict["reason"]) == ("faster", "verified_faster")
        assert verdict["targets"] == ["src/textkit/tokens.py::dedupe"]
        assert verdict["base"] == head  # optimized at the merge request's head
        mrs = list(fake.merge_requests.values())
        ours = [mr for mr in mrs if mr["source_branch"] == f"ciopt/pr-{iid}"]
        assert len(ours) == 1
        assert ours[0]["target_branch"] == "speedups" and ours[0]["title"].startswith("Draft:")
        assert ours[0]["description"] == (out / "report.md").read_text()
        assert git(remote, "rev-parse", f"refs/heads/ciopt/pr-{iid}") == verdict["head"]
        posts = [c for c in fake.calls if c[0] == "POST" and c[1].endswith(f"/{iid}/notes")]
        assert len(posts) == 2  # retried after the 429
        progress = _progress(fake.notes[("mr", iid)])
        assert len(progress) == 1 and ours[0]["web_url"] in progress[0]["body"]
        assert set(fake.merge_requests[iid]["labels"]) == {"optimize:done"}


def _sentinel_python(tmp_path: Path) -> tuple[Path, Path]:
    """An interpreter that leaves a mark if anything runs the client's code."""
    ran = tmp_path / "ran"
    python = tmp_path / "python"
    python.write_text(f"#!/bin/sh\ntouch {ran}\nexit 1\n")
    python.chmod(0o755)
    return python, ran


@pytest.mark.usefixtures("ci_env")
def test_a_scheduled_poll_answers_each_labeled_issue_in_its_own_folder(
    example_repo: Path,
    remote: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    python, ran = _sentinel_python(tmp_path)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=str(remote))
        fake.user("mallory", permission="triage")  # may label, may not run code
        fake.user("alice", permission="admin")
        refused = fake.issue("Faster please", ISSUE_BODY, author="mallory", labels=["optimize"])
        broken = fake.issue(
            "Faster", f"/optimize {REQUEST} colour=blue", author="alice", labels=["optimize"]
        )
        fake.issue("Unrelated", "", author="alice")
        env = fake.actions_env("schedule", {"schedule": "0 * * * *"}, tmp_path)
        out = tmp_path / "out"
        args = ("--repo", str(example_repo), "--python", str(python), "--out", str(out),
                "--model", "openai/never-called", "--poll", "5")  # fmt: skip
        assert _run(monkeypatch, env, "github", *args) == 1  # one request failed

        assert not ran.exists()
        first = _verdict(out / f"issue-{refused}")
        assert (first["verdict"], first["reason"]) == ("skipped", "unauthorized")
        assert "@mallory" in fake.comments[refused][-1]["body"]
        second = _verdict(out / f"issue-{broken}")
        assert (second["verdict"], second["reason"]) == ("error", "bad_request")
        progress = _progress(fake.comments[broken])
        assert len(progress) == 1 and "unknown request key 'colour'" in progress[0]["body"]
        assert '"state":"failed"' in progress[0]["body"]
        labels = {label["name"] for label in fake.issues[broken]["labels"]}
        assert labels == {"optimize:failed"}
        assert f"issue-{broken}: unknown request key 'colour'" in capsys.readouterr().err


@pytest.mark.usefixtures("ci_env")
def test_a_request_another_job_holds_gets_a_busy_reply_and_runs_nothing(
    example_repo: Path, remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    python, ran = _sentinel_python(tmp_path)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=str(remote))
        fake.user("alice", permission="write")
        fake.user("github-actions[bot]", bot=True)
        number = fake.issue("Speed up dedupe", ISSUE_BODY, author="alice", labels=["optimize"])
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        claim = f'{{"key":"issue-{number}","state":"running","run":"77","at":"{now}"}}'
        fake.add_comment(number, f"<!-- ciopt:progress {claim} -->", author="github-actions[bot]")
        comment = fake.add_comment(number, f"/optimize {REQUEST}", author="alice")
        env = fake.actions_env("issue_comment", fake.issue_comment(comment, number), tmp_path)
        out = tmp_path / "out"
        args = ("--repo", str(example_repo), "--python", str(python), "--out", str(out),
                "--model", "openai/never-called")  # fmt: skip
        assert _run(monkeypatch, env, "github", *args) == 0
        assert not ran.exists()
        reply = fake.comments[number][-1]["body"]
        assert "@alice" in reply and "already working on this" in reply
        assert (_verdict(out)["reason"]) == "already_running"


@pytest.mark.usefixtures("ci_env")
def test_a_pipeline_for_a_forks_pull_request_without_secrets_explains_and_exits_0(
    example_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({
        "action": "opened",
        "pull_request": {"number": 9, "head": {"repo": {"full_name": "mallory/textkit"}}},
        "repository": {"full_name": "octo/textkit"},
    }))  # fmt: skip
    summary = tmp_path / "summary.md"
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "octo/textkit",
        "GITHUB_STEP_SUMMARY": str(summary),
    }  # no GITHUB_TOKEN, no model key: what a fork's pipeline gets
    assert _run(monkeypatch, env, "github", "--repo", str(example_repo)) == 0
    said = capsys.readouterr().out
    assert "did not run" in said and "mallory/textkit" in said
    text = summary.read_text()
    assert "pipelines for forks get no secrets" in text and "GITHUB_TOKEN" in text


@pytest.mark.usefixtures("ci_env")
def test_optimize_on_a_forks_pull_request_leaves_the_patch_in_the_comment(
    example_repo: Path,
    remote: Path,
    winner: Path,
    client_python: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    head = _document_dedupe(example_repo)
    git(example_repo, "push", "-q", str(remote), "HEAD:refs/forks/mallory")  # its objects only
    git(example_repo, "reset", "-q", "--hard", "HEAD~1")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=str(remote))
        fake.user("mallory", permission="read")
        fake.user("alice", permission="maintain")
        number = fake.pull(
            "Document dedupe", "", author="mallory", head_ref="patch-1", head_sha=head, fork=True
        )
        comment = fake.add_comment(number, f"/optimize bench={BENCH} candidates=1", author="alice")
        env = fake.actions_env("issue_comment", fake.issue_comment(comment, number), tmp_path)
        out = tmp_path / "out"
        args = ("--repo", str(example_repo), "--python", client_python, "--out", str(out),
                "--model", f"scripted:{winner}")  # fmt: skip
        assert _run(monkeypatch, env, "github", *args) == 0

        verdict = _verdict(out)
        assert (verdict["verdict"], verdict["reason"]) == ("faster", "verified_faster")
        assert verdict["base"] == head and verdict["targets"] == ["src/textkit/tokens.py::dedupe"]
        assert verdict["pr_url"] is None and len(fake.pulls) == 1  # only the fork's own
        assert "cannot push to" in " ".join(verdict["notes"])
        assert git(remote, "branch", "--list", "ciopt/*") == ""
        progress = _progress(fake.comments[number])
        assert len(progress) == 1
        body = progress[0]["body"]
        assert "comes from a fork" in body
        assert (out / "patch.diff").read_text().strip() in body
