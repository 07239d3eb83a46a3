"""``ciopt run --forge jira`` end to end: a Jira automation rule's ``repository_dispatch`` in,
the ``jira`` library talking HTTP to the stateful Jira fake and PyGithub to the GitHub fake, a
push to a local bare repository standing in for the remote; one progress comment on the Jira
issue, one draft pull request linked from it, the issue's labels and status moved.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses

from ciopt.cli import main
from ciopt.forges.jira.markup import from_wiki
from ciopt.job.claim import read_marker
from tests.helpers import REQUEST, ROOT, git, winner_script
from tests.helpers.fake_github import FakeGitHub
from tests.helpers.fake_jira import FakeJira

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("ci_env")]

PAYLOAD = ROOT / "tests" / "forges" / "jira" / "payloads" / "repository-dispatch.json"
# the request in the description, as Jira users write code: a {code:ciopt} block
DESCRIPTION = (
    "dedupe is slow on long token lists.\n\n{code:ciopt}\n"
    + REQUEST.replace(" ", "\n")
    + "\n{code}\n"
)
SETTINGS = {
    "CIOPT_FORGE_WRITE_INTERVAL": "0",
    "CIOPT_JIRA__GROUPS": '["ciopt-users"]',
    "CIOPT_JIRA__TRANSITIONS": '{"running": "In Progress", "done": "In Review"}',
}


def _dispatch(
    github: FakeGitHub, jira: FakeJira, tmp_path: Path, key: str, user: str, run: str
) -> dict[str, str]:
    """The Actions environment of the dispatch a Jira automation rule sends for ``key``."""
    payload = json.loads(PAYLOAD.read_text())
    payload["client_payload"] = {"issue_key": key, "user": user}
    return {
        **github.actions_env("repository_dispatch", payload, tmp_path, GITHUB_RUN_ID=run),
        **jira.env(),
    }


def _run(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], *args: str) -> int:
    with monkeypatch.context() as scoped:
        for name, value in {**env, **SETTINGS}.items():
            scoped.setenv(name, value)
        return main(["run", "--forge", "jira", *args])


def _verdict(out: Path) -> dict[str, Any]:
    verdict: dict[str, Any] = json.loads((out / "verdict.json").read_text())
    return verdict


def _progress(jira: FakeJira, key: str) -> list[str]:
    """The issue's progress comments, as ciopt reads them back (markers restored)."""
    bodies = [from_wiki(c["body"]) for c in jira.comments[key]]
    return [b for b in bodies if "<!-- ciopt:progress" in b]


def test_a_jira_issue_yields_one_draft_pull_request_linked_from_it_and_a_rerun_updates_both(
    example_repo: Path,
    remote: Path,
    client_python: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    winner = winner_script(tmp_path)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        jira = FakeJira(rsps)
        github = FakeGitHub(rsps, clone_url=str(remote))
        alice = jira.user("alice", groups=["ciopt-users"])
        key = jira.issue("PROJ", "Speed up dedupe", DESCRIPTION, reporter=jira.user("carol"))
        jira.add_label(key, "optimize", actor=alice)
        args = ("--repo", str(example_repo), "--python", client_python,
                "--model", f"scripted:{winner}")  # fmt: skip
        first_out = tmp_path / "first"
        env = _dispatch(github, jira, tmp_path, key, alice, "201")
        assert _run(monkeypatch, env, *args, "--out", str(first_out)) == 0

        first = _verdict(first_out)
        assert (first["verdict"], first["reason"]) == ("faster", "verified_faster")
        log = capsys.readouterr().out  # the verdict, then what the output folder holds
        assert "ciopt: faster (verified_faster) - " in log
        assert f"  results: {first_out}/ (verdict.json, report.md, patch.diff, " in log
        assert first["origin"] | {"job_url": None, "artifacts_url": None} == {
            "forge": "jira",
            "thread": f"jira-{key}",
            "url": f"{jira.url}/browse/{key}",
            "requested_by": alice,
            "via": "dispatch",
            "job_url": None,
            "artifacts_url": None,
        }
        # one draft pull request on the code forge, from the issue's branch
        (pull,) = github.pulls.values()
        assert pull["draft"] is True and pull["head"]["ref"] == "ciopt/jira-proj-1"
        assert pull["body"] == (first_out / "report.md").read_text()
        assert first["pr_url"] == pull["html_url"]
        assert git(remote, "rev-parse", "refs/heads/ciopt/jira-proj-1") == first["head"]
        # one progress comment on the Jira issue, ending with the pull request's link
        (progress,) = _progress(jira, key)
        claim = read_marker(progress)
        assert claim is not None and (claim.key, claim.state) == (f"jira-{key}", "done")
        assert f"[{pull['html_url']}]" in progress and "h3. ciopt finished" in progress
        assert f"[~accountid:{alice}]" in progress and "/actions/runs/201" in progress
        # linked from the issue, and the issue moved along
        (link,) = jira.remote_links[key]
        assert link["object"]["url"] == pull["html_url"] and link["globalId"].endswith(
            pull["html_url"]
        )
        fields = jira.issues[key]["fields"]
        assert fields["labels"] == ["optimize:done"] and fields["status"]["name"] == "In Review"

        # the rule fires again (the label added again): the same branch, pull request, comment
        # and link are updated
        jira.add_label(key, "optimize", actor=alice)
        second_out = tmp_path / "second"
        env = _dispatch(github, jira, tmp_path, key, alice, "202")
        assert _run(monkeypatch, env, *args, "--out", str(second_out)) == 0
        second = _verdict(second_out)
        assert second["pr_url"] == pull["html_url"] and len(github.pulls) == 1
        assert second["run_id"] in pull["body"] and first["run_id"] not in pull["body"]
        assert git(remote, "rev-parse", "refs/heads/ciopt/jira-proj-1") == second["head"]
        (progress,) = _progress(jira, key)
        assert "/actions/runs/202" in progress and "/actions/runs/201" not in progress
        assert len(jira.comments[key]) == 1 and len(jira.remote_links[key]) == 1

        # no secret in what ciopt wrote: comments, the pull request, the artifact, the log
        written = [c["body"] for c in jira.comments[key]] + [pull["body"], log]
        written.append(capsys.readouterr().out)
        for out in (first_out, second_out):
            written += [p.read_text() for p in out.iterdir() if p.is_file()]
        for secret in (jira.token, github.token):
            assert not any(secret in text for text in written)


def test_a_requester_outside_the_group_gets_a_refusal_on_the_issue_and_nothing_runs(
    example_repo: Path, remote: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ran, python = tmp_path / "ran", tmp_path / "python"
    python.write_text(f"#!/bin/sh\ntouch {ran}\nexit 1\n")  # any use of it leaves a mark
    python.chmod(0o755)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        jira = FakeJira(rsps)
        github = FakeGitHub(rsps, clone_url=str(remote))
        mallory = jira.user("mallory", groups=["jira-software-users"])
        key = jira.issue("PROJ", "Speed up dedupe", DESCRIPTION, reporter=mallory)
        jira.add_label(key, "optimize", actor=mallory)
        out = tmp_path / "out"
        env = _dispatch(github, jira, tmp_path, key, mallory, "301")
        args = ("--repo", str(example_repo), "--python", str(python), "--out", str(out),
                "--model", "openai/never-called")  # fmt: skip
        assert _run(monkeypatch, env, *args) == 0

        assert not ran.exists()
        (reply,) = [c["body"] for c in jira.comments[key]]
        assert reply.startswith(f"Thanks for asking, [~accountid:{mallory}]\\!")
        assert (
            "members of the Jira group {{ciopt\\-users}}" in reply and "Nothing was run." in reply
        )
        assert "<!-- ciopt:reply refusal -->" in from_wiki(reply)
        assert jira.issues[key]["fields"]["labels"] == ["optimize"]
        assert jira.remote_links[key] == [] and github.pulls == {}
        verdict = _verdict(out)
        assert (verdict["verdict"], verdict["reason"]) == ("skipped", "unauthorized")
        trace = (out / "trace.jsonl").read_text()
        assert '"name": "authorize"' in trace and '"allowed": false' in trace
