"""The GitLab forge through real python-gitlab, talking HTTP to the stateful fake."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import gitlab.utils
import pytest
import responses

from ciopt.config import Settings
from ciopt.errors import ConfigError
from ciopt.forges import MARKER, Ask, Ignored, Person, Rules, Thread, open_forge
from ciopt.forges.gitlab.api import GitLabForge
from ciopt.git import Git
from tests.helpers import git
from tests.helpers.fake_gitlab import FakeGitLab

PAYLOADS = Path(__file__).parent / "payloads"
CLONE_URL = "https://gitlab.example.com/group/textkit.git"  # no repository behind it
RULES = Rules(label="optimize", phrase="/optimize", me="project_42_bot_1a2b")


@pytest.fixture
def fake(rsps: responses.RequestsMock) -> FakeGitLab:
    return FakeGitLab(rsps, clone_url=CLONE_URL)


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """python-gitlab's retry sleeps, recorded instead of slept."""
    slept: list[float] = []
    fake_time = SimpleNamespace(sleep=slept.append, time=lambda: 0.0)
    monkeypatch.setattr(gitlab.utils, "time", fake_time)
    return slept


def _forge(fake: FakeGitLab, tmp_path: Path, **settings: Any) -> GitLabForge:
    forge = open_forge("gitlab", Settings(**settings), fake.ci_env("web", tmp_path))
    assert isinstance(forge, GitLabForge)
    return forge


def _calls(fake: FakeGitLab, method: str, ending: str) -> int:
    return sum(1 for m, path, _ in fake.calls if m == method and path.endswith(ending))


# -- notes, labels, people -------------------------------------------------------------------------


def test_notes_are_written_edited_and_listed_oldest_first_without_system_notes(
    fake: FakeGitLab, tmp_path: Path
) -> None:
    fake.user("alice")
    iid = fake.issue("Speed up dedupe", "slow", author="alice")
    fake.add_note("issue", iid, "first, by alice", author="alice")
    fake.add_note("issue", iid, "added ~optimize label", author="alice", system=True)
    forge = _forge(fake, tmp_path)
    thread = forge.thread(iid)

    mine = forge.comment(thread, f"{MARKER}:progress --> working")
    assert mine.author.login == fake.me and mine.author.is_bot
    assert mine.url == f"{fake.url}/group/textkit/-/issues/{iid}#note_{mine.id}"
    forge.edit_comment(thread, mine.id, f"{MARKER}:progress --> done")
    assert fake.notes[("issue", iid)][-1]["body"].endswith("done")
    path = f"/api/v4/projects/42/issues/{iid}/notes/{mine.id}"
    assert ("PUT", path, {"body": f"{MARKER}:progress --> done"}) in fake.calls

    for n in range(25):  # more than one page of 20
        fake.add_note("issue", iid, f"chatter {n}", author="alice")
    comments = forge.comments(thread)
    assert [c.body for c in comments] == [
        "first, by alice",
        f"{MARKER}:progress --> done",
        *(f"chatter {n}" for n in range(25)),
    ]
    assert comments[0].author == Person(login="alice", id=fake.users["alice"]["id"])
    times = [c.created_at for c in comments]
    assert None not in times and times == sorted(t for t in times if t is not None)
    assert _calls(fake, "GET", f"/issues/{iid}/notes") == 2  # followed the Link header


def test_editing_someone_elses_note_is_refused_with_a_clear_error(
    fake: FakeGitLab, tmp_path: Path
) -> None:
    iid = fake.issue("t", "", author="alice")
    note = fake.add_note("issue", iid, "mine", author="alice")
    forge = _forge(fake, tmp_path)
    with pytest.raises(ConfigError, match=r"refused editing note .* \(403") as err:
        forge.edit_comment(forge.thread(iid), note["id"], "hijacked")
    assert err.value.reason == "forge_auth"
    assert fake.notes[("issue", iid)][0]["body"] == "mine"


def test_relabel_adds_and_removes_creating_labels_on_issues_and_merge_requests(
    fake: FakeGitLab, tmp_path: Path
) -> None:
    iid = fake.issue("t", "", author="alice", labels=["bug", "optimize"])
    mr = fake.merge_request("m", "", author="alice", source_branch="feat", sha="a" * 40)
    forge = _forge(fake, tmp_path)
    issue = forge.thread(iid)

    after = forge.relabel(issue, add=["optimize:running"], remove=["optimize", "optimize:done"])
    assert after == ("bug", "optimize:running") == tuple(fake.issues[iid]["labels"])
    assert "optimize:running" in fake.labels
    events = fake.label_events[("issue", iid)][-2:]
    assert [(e["action"], e["label"]["name"], e["user"]["username"]) for e in events] == [
        ("add", "optimize:running", fake.me),
        ("remove", "optimize", fake.me),
    ]
    assert forge.relabel(issue) == ("bug", "optimize:running")

    pull = forge.thread(mr, "pull")
    assert forge.relabel(pull, add=["optimize:done"]) == ("optimize:done",)
    assert fake.merge_requests[mr]["labels"] == ["optimize:done"]
    put = ("PUT", f"/api/v4/projects/42/merge_requests/{mr}", {"add_labels": "optimize:done"})
    assert put in fake.calls


@pytest.mark.parametrize(
    ("level", "allowed", "role"),
    [
        (50, True, "Owner (50)"),
        (40, True, "Maintainer (40)"),
        (30, True, "Developer (30)"),
        (20, False, "Reporter (20)"),
        (10, False, "Guest (10)"),
        (0, False, "none"),
    ],
)
def test_access_is_the_members_role_developer_or_above(
    fake: FakeGitLab, tmp_path: Path, level: int, allowed: bool, role: str
) -> None:
    user = fake.user("dana", access_level=level)
    forge = _forge(fake, tmp_path)
    by_id = forge.access(Person(login="dana", id=user["id"]))
    by_name = forge.access(Person(login="dana"))  # id looked up through GET /users
    assert (by_id.allowed, by_id.role) == (allowed, role) == (by_name.allowed, by_name.role)
    assert _calls(fake, "GET", f"/members/all/{user['id']}") == 2


def test_someone_gitlab_does_not_know_has_no_access(fake: FakeGitLab, tmp_path: Path) -> None:
    access = _forge(fake, tmp_path).access(Person(login="nobody"))
    assert (access.allowed, access.role) == (False, "none")


def test_whoami_is_the_tokens_user_asked_once(fake: FakeGitLab, tmp_path: Path) -> None:
    forge = _forge(fake, tmp_path)
    assert forge.whoami() == forge.whoami() == "project_42_bot_1a2b"
    assert _calls(fake, "GET", "/api/v4/user") == 1


def test_threads_read_issues_and_merge_requests(fake: FakeGitLab, tmp_path: Path) -> None:
    iid = fake.issue("Speed up", "the body", author="alice", labels=["optimize"])
    mr = fake.merge_request(
        "Draft: feat", "desc", author="bob", source_branch="feat", sha="b" * 40, fork=True
    )
    forge = _forge(fake, tmp_path)
    issue = forge.thread(iid)
    assert (issue.kind, issue.title, issue.body, issue.labels) == (
        "issue",
        "Speed up",
        "the body",
        ("optimize",),
    )
    assert issue.url == f"{fake.url}/group/textkit/-/issues/{iid}"
    assert issue.author is not None and issue.author.login == "alice"
    pull = forge.thread(mr, "pull")
    assert (pull.kind, pull.number, pull.head_ref, pull.head_sha, pull.base_ref, pull.fork) == (
        "pull",
        mr,
        "feat",
        "b" * 40,
        "main",
        True,
    )
    with pytest.raises(ConfigError, match=r"issue #99 \(404\)|\(404\) while reading issue #99"):
        forge.thread(99)


# -- asks ------------------------------------------------------------------------------------------


def test_a_trigger_pipeline_reads_the_webhook_in_its_payload_file(
    fake: FakeGitLab, tmp_path: Path
) -> None:
    fake.user("alice")
    iid = fake.issue("Speed up", "target=a.py::f bench=b", author="alice", labels=["bug"])
    hook = fake.issue_hook(iid, sender="alice", previous=["bug"], current=["bug", "optimize"])
    env = fake.ci_env("trigger", tmp_path, hook)
    forge = open_forge("gitlab", Settings(), env)
    [ask] = forge.asks(env, RULES, None)
    assert isinstance(ask, Ask) and ask.thread is not None
    assert (ask.via, ask.thread.number, ask.text) == ("label", iid, "target=a.py::f bench=b")
    assert ask.author == Person(login="alice", id=fake.users["alice"]["id"])
    assert fake.calls == []  # a webhook is read without the API

    note = fake.add_note("issue", iid, "/optimize", author="alice")
    env = fake.ci_env("trigger", tmp_path, fake.note_hook(note, "issue", iid, action="update"))
    assert [a.reason for a in forge.asks(env, RULES, None) if isinstance(a, Ignored)] == ["edited"]


def _paths(value: Any, prefix: str = "") -> set[str]:
    """Every key path in a JSON value (``merge_request.last_commit.id``); lists by their items."""
    if isinstance(value, dict):
        return {p for k, v in value.items() for p in {prefix + k} | _paths(v, f"{prefix}{k}.")}
    if isinstance(value, list):
        return {p for item in value for p in _paths(item, prefix)}
    return set()


def test_the_fakes_webhooks_carry_every_field_of_the_documented_payloads(
    fake: FakeGitLab, tmp_path: Path
) -> None:
    iid = fake.issue("t", "d", author="alice", labels=["bug"])
    mr = fake.merge_request("m", "d", author="bob", source_branch="feat", sha="d" * 40)
    made = {
        "issue_labeled": fake.issue_hook(
            iid, sender="alice", previous=["bug"], current=["bug", "optimize"]
        ),
        "note_issue": fake.note_hook(
            fake.add_note("issue", iid, "x", author="alice"), "issue", iid
        ),
        "note_merge_request": fake.note_hook(fake.add_note("mr", mr, "x", author="bob"), "mr", mr),
    }
    for name, hook in made.items():
        documented = json.loads((PAYLOADS / f"{name}.json").read_text())
        assert _paths(documented) <= _paths(hook), name
    assert made["note_issue"]["object_attributes"]["created_at"].endswith(" UTC")


def test_a_web_pipeline_naming_an_issue_or_a_merge_request_fetches_it(
    fake: FakeGitLab, tmp_path: Path
) -> None:
    iid = fake.issue("Speed up", "target=a.py::f bench=b", author="alice")
    mr = fake.merge_request("feat", "", author="bob", source_branch="feat", sha="c" * 40)
    forge = _forge(fake, tmp_path)

    env = fake.ci_env(
        "web", tmp_path, CIOPT_ISSUE=str(iid), GITLAB_USER_LOGIN="carol", GITLAB_USER_ID="77"
    )
    [ask] = forge.asks(env, RULES, None)
    assert isinstance(ask, Ask) and ask.thread is not None
    assert (ask.via, ask.thread.kind, ask.text) == ("dispatch", "issue", "target=a.py::f bench=b")
    assert ask.author == Person(login="carol", id=77)

    env = fake.ci_env(
        "api",
        tmp_path,
        CIOPT_MR=str(mr),
        CIOPT_REQUEST="bench=b",
        GITLAB_USER_LOGIN="carol",
        GITLAB_USER_ID="77",
    )
    [ask] = forge.asks(env, RULES, None)
    assert isinstance(ask, Ask) and ask.thread is not None
    assert (ask.thread.kind, ask.thread.head_ref, ask.thread.head_sha, ask.text) == (
        "pull",
        "feat",
        "c" * 40,
        "bench=b",
    )

    env = fake.ci_env(
        "web", tmp_path, CIOPT_ISSUE="99", GITLAB_USER_LOGIN="carol", GITLAB_USER_ID="77"
    )
    with pytest.raises(ConfigError, match="404"):
        forge.asks(env, RULES, None)


def _poll_fixture(fake: FakeGitLab) -> dict[str, int]:
    """Labeled issues and merge request notes, created in this order (oldest first)."""
    for login in ("alice", "bob", "carol", "dave", "erin", "mallory"):
        fake.user(login)
    ids = {"old_issue": fake.issue("old", "req old", author="alice", labels=["optimize"])}
    fake.label_event(ids["old_issue"], "optimize", actor="bob")  # bob added it last
    ids["unlabeled"] = fake.issue("plain", "", author="alice")
    ids["closed"] = fake.issue("closed", "", author="alice", labels=["optimize"])
    fake.issues[ids["closed"]]["state"] = "closed"
    ids["asked_mr"] = fake.merge_request("a", "", author="dave", source_branch="a", sha="1" * 40)
    fake.add_note("mr", ids["asked_mr"], "/optimize first try", author="dave")
    fake.add_note("mr", ids["asked_mr"], "/optimize bench=b", author="dave")
    fake.add_note("mr", ids["asked_mr"], f"{MARKER}:progress --> pasted", author="mallory")
    ids["new_issue"] = fake.issue("new", "req new", author="carol", labels=["optimize"])
    ids["answered_mr"] = fake.merge_request("b", "", author="erin", source_branch="b", sha="2" * 40)
    fake.add_note("mr", ids["answered_mr"], "/optimize", author="erin")
    fake.add_note("mr", ids["answered_mr"], f"{MARKER}:progress --> done", author=fake.me)
    fake.add_note("mr", ids["answered_mr"], "thanks!", author="erin")
    ids["chatty_mr"] = fake.merge_request("c", "", author="erin", source_branch="c", sha="3" * 40)
    fake.add_note("mr", ids["chatty_mr"], "> /optimize\nquoting is not asking", author="erin")
    fake.add_note("mr", ids["chatty_mr"], "say /optimize to ask", author=fake.me)  # ciopt's own
    return ids


def test_poll_finds_labeled_issues_and_unanswered_merge_request_notes_oldest_first(
    fake: FakeGitLab, tmp_path: Path
) -> None:
    ids = _poll_fixture(fake)
    forge = _forge(fake, tmp_path)
    asks = forge.asks(fake.ci_env("web", tmp_path), RULES, 10)
    assert all(isinstance(a, Ask) and a.via == "poll" for a in asks)
    found = [
        (a.thread.key, a.author.login, a.text) for a in asks if isinstance(a, Ask) and a.thread
    ]
    assert found == [
        (f"issue-{ids['old_issue']}", "bob", "req old"),
        (f"pr-{ids['asked_mr']}", "dave", "/optimize bench=b"),  # the latest unanswered ask
        (f"issue-{ids['new_issue']}", "carol", "req new"),
    ]
    mr_ask = asks[1]
    assert isinstance(mr_ask, Ask) and mr_ask.comment is not None
    assert mr_ask.comment.id == fake.notes[("mr", ids["asked_mr"])][1]["id"]
    assert mr_ask.thread is not None and mr_ask.thread.head_ref == "a"

    capped = forge.asks(fake.ci_env("web", tmp_path), RULES, 2)
    assert [a.thread.key for a in capped if isinstance(a, Ask) and a.thread] == [
        f"issue-{ids['old_issue']}",
        f"pr-{ids['asked_mr']}",
    ]


def test_a_scheduled_pipeline_polls(fake: FakeGitLab, tmp_path: Path) -> None:
    for n in range(7):
        fake.issue(f"issue {n}", f"req {n}", author="alice", labels=["optimize"])
    forge = _forge(fake, tmp_path)
    asks = forge.asks(fake.ci_env("schedule", tmp_path), RULES, None)
    assert [a.text for a in asks if isinstance(a, Ask)] == [f"req {n}" for n in range(5)]
    assert len(forge.asks(fake.ci_env("schedule", tmp_path), RULES, 1)) == 1


# -- code: fetch and publish -----------------------------------------------------------------------


def _commit(repo: Path, text: str) -> str:
    """A commit on top of main, left dangling (main is not moved)."""
    (repo / "src" / "textkit" / "tokens.py").write_text(text)
    git(repo, "commit", "-qam", f"change: {text.strip()}")
    sha = git(repo, "rev-parse", "HEAD")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    return sha


def test_publish_opens_one_draft_merge_request_and_a_rerun_updates_it(
    rsps: responses.RequestsMock, example_repo: Path, remote: Path, tmp_path: Path
) -> None:
    fake = FakeGitLab(rsps, clone_url=str(remote))
    forge = _forge(fake, tmp_path)
    repo = Git(example_repo)
    first_sha = _commit(example_repo, "# one\n")
    first = forge.publish(
        repo, branch="ciopt/issue-1", head=first_sha, title="Faster dedupe", body="report one"
    )
    [mr] = fake.merge_requests.values()
    assert (mr["title"], mr["draft"], mr["description"]) == (
        "Draft: Faster dedupe",
        True,
        "report one",
    )
    assert (mr["source_branch"], mr["target_branch"]) == ("ciopt/issue-1", "main")
    assert mr["force_remove_source_branch"] is True and mr["sha"] == first_sha
    assert first.model_dump() == {
        "branch": "ciopt/issue-1",
        "url": mr["web_url"],
        "updated": False,
        "number": mr["iid"],
    }
    assert git(remote, "rev-parse", "refs/heads/ciopt/issue-1") == first_sha

    second_sha = _commit(example_repo, "# two\n")
    second = forge.publish(
        repo, branch="ciopt/issue-1", head=second_sha, title="Faster still", body="report two"
    )
    assert len(fake.merge_requests) == 1
    assert (second.updated, second.number, second.url) == (True, first.number, first.url)
    assert (mr["title"], mr["description"]) == ("Draft: Faster still", "report two")
    assert (
        mr["sha"] == second_sha == git(remote, "rev-parse", f"refs/merge-requests/{mr['iid']}/head")
    )
    assert git(remote, "rev-parse", "refs/heads/ciopt/issue-1") == second_sha
    assert _calls(fake, "POST", "/merge_requests") == 1


def test_publish_respects_a_merge_request_marked_ready_and_its_base(
    rsps: responses.RequestsMock, example_repo: Path, remote: Path, tmp_path: Path
) -> None:
    fake = FakeGitLab(rsps, clone_url=str(remote))
    forge = _forge(fake, tmp_path)
    repo = Git(example_repo)
    git(example_repo, "push", "-q", str(remote), "main:refs/heads/release")
    sha = _commit(example_repo, "# one\n")
    forge.publish(repo, branch="ciopt/pr-3", head=sha, title="T", body="b", base="release")
    [mr] = fake.merge_requests.values()
    assert mr["target_branch"] == "release"
    mr["title"], mr["draft"] = "T", False  # a reviewer marked it ready
    forge.publish(repo, branch="ciopt/pr-3", head=sha, title="T2", body="b2")
    assert (mr["title"], mr["draft"], mr["target_branch"]) == ("T2", False, "release")


def test_publish_never_opens_a_second_merge_request_when_another_job_was_first(
    rsps: responses.RequestsMock, example_repo: Path, remote: Path, tmp_path: Path
) -> None:
    fake = FakeGitLab(rsps, clone_url=str(remote))
    forge = _forge(fake, tmp_path)
    sha = _commit(example_repo, "# one\n")
    git(example_repo, "push", "-q", str(remote), f"{sha}:refs/heads/ciopt/issue-1")
    iid = fake.merge_request(
        "Draft: other job", "", author=fake.me, source_branch="ciopt/issue-1", sha=sha
    )
    fake.fail("GET", r"/merge_requests$", 200, body=[])  # listed just before the other job
    published = forge.publish(
        Git(example_repo), branch="ciopt/issue-1", head=sha, title="T", body="mine"
    )
    assert (published.updated, published.number) == (True, iid)
    assert len(fake.merge_requests) == 1 and fake.merge_requests[iid]["description"] == "mine"
    assert _calls(fake, "POST", "/merge_requests") == 1  # refused with 409, then updated


def test_fetch_brings_a_merge_requests_head_and_base(
    rsps: responses.RequestsMock, example_repo: Path, remote: Path, tmp_path: Path
) -> None:
    fake = FakeGitLab(rsps, clone_url=str(remote))
    sha = _commit(example_repo, "# feature\n")
    git(example_repo, "push", "-q", str(remote), f"{sha}:refs/heads/feature")
    iid = fake.merge_request("feat", "", author="bob", source_branch="feature", sha=sha)
    git(remote, "update-ref", "-d", "refs/heads/feature")  # only GitLab's ref is left
    assert git(remote, "rev-parse", f"refs/merge-requests/{iid}/head") == sha

    checkout = tmp_path / "checkout"
    git(tmp_path, "clone", "-q", "--single-branch", str(remote), str(checkout))
    forge = _forge(fake, tmp_path)
    head, base = forge.fetch(Git(checkout), forge.thread(iid, "pull"))
    assert (head, base) == (sha, git(example_repo, "rev-parse", "main"))
    assert git(checkout, "rev-parse", f"refs/ciopt/fetched/merge-requests/{iid}/head") == sha
    with pytest.raises(ConfigError, match="only merge requests"):
        forge.fetch(Git(checkout), Thread(number=1))


def test_links_point_at_the_job_and_its_artifacts(fake: FakeGitLab, tmp_path: Path) -> None:
    forge = _forge(fake, tmp_path)
    links = forge.links(fake.ci_env("web", tmp_path))
    assert links.job == f"{fake.url}/group/textkit/-/jobs/7001"
    assert links.artifacts == f"{fake.url}/group/textkit/-/jobs/7001/artifacts/browse"
    assert forge.links({}).model_dump() == {"job": None, "artifacts": None}


# -- retries and errors ----------------------------------------------------------------------------


def test_rate_limits_and_bad_gateways_are_retried_honouring_retry_after(
    fake: FakeGitLab, tmp_path: Path, waits: list[float]
) -> None:
    iid = fake.issue("t", "", author="alice")
    fake.fail("GET", rf"/issues/{iid}$", 429, headers={"Retry-After": "3"})
    fake.fail("GET", rf"/issues/{iid}$", 502)
    forge = _forge(fake, tmp_path)
    assert forge.thread(iid).number == iid
    assert _calls(fake, "GET", f"/issues/{iid}") == 3
    assert waits == [3, 0.2]  # Retry-After, then python-gitlab's backoff (0.1 * 2**1)


def test_retries_are_bounded_by_the_setting(
    fake: FakeGitLab, tmp_path: Path, waits: list[float]
) -> None:
    iid = fake.issue("t", "", author="alice")
    fake.fail("POST", rf"/issues/{iid}/notes$", 503, times=10)
    forge = _forge(fake, tmp_path, forge_retries=2)
    with pytest.raises(ConfigError, match=r"kept failing \(503\).*after 2 retries") as err:
        forge.comment(forge.thread(iid), "hello")
    assert err.value.reason == "forge_unavailable"
    assert _calls(fake, "POST", f"/issues/{iid}/notes") == 3 and len(waits) == 2


def test_every_call_has_the_configured_timeout(
    fake: FakeGitLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forge = _forge(fake, tmp_path, forge_timeout=7.5)
    seen: list[object] = []
    session = forge._gl.session
    original = session.request

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs.get("timeout"))
        return original(*args, **kwargs)

    monkeypatch.setattr(session, "request", spy)
    forge.whoami()
    forge.access(Person(login="nobody"))
    assert seen == [7.5, 7.5]


def test_a_rejected_token_says_how_to_make_one(fake: FakeGitLab, tmp_path: Path) -> None:
    env = fake.ci_env("web", tmp_path, GITLAB_TOKEN="glpat-revokedrevokedrevoked")
    forge = open_forge("gitlab", Settings(), env)
    with pytest.raises(ConfigError, match=r"rejected the token \(401\).*GITLAB_TOKEN") as err:
        forge.whoami()
    assert err.value.reason == "forge_auth"


def test_an_unknown_project_says_what_to_check(fake: FakeGitLab, tmp_path: Path) -> None:
    env = fake.ci_env("web", tmp_path, CI_PROJECT_ID="999")
    forge = open_forge("gitlab", Settings(), env)
    with pytest.raises(ConfigError, match=r"404.*CI_PROJECT_ID names project 999") as err:
        forge.thread(1)
    assert err.value.reason == "forge_not_found"


# -- configuration ---------------------------------------------------------------------------------


def test_the_ci_job_token_alone_is_refused_with_how_to_make_a_project_token(
    fake: FakeGitLab, tmp_path: Path
) -> None:
    env = fake.ci_env("web", tmp_path)
    del env["GITLAB_TOKEN"]
    with pytest.raises(ConfigError, match="CI_JOB_TOKEN cannot create notes or merge requests"):
        open_forge("gitlab", Settings(), env)
    env["GITLAB_TOKEN"] = env["CI_JOB_TOKEN"]  # the job token stored as GITLAB_TOKEN
    with pytest.raises(
        ConfigError, match=r"project access token .*masked CI/CD variable GITLAB_TOKEN"
    ):
        open_forge("gitlab", Settings(), env)


def test_no_token_and_no_project_say_what_to_set(fake: FakeGitLab, tmp_path: Path) -> None:
    env = fake.ci_env("web", tmp_path)
    no_token = {k: v for k, v in env.items() if k not in ("GITLAB_TOKEN", "CI_JOB_TOKEN")}
    with pytest.raises(ConfigError, match="no GitLab token is set; create a project access"):
        open_forge("gitlab", Settings(), no_token)
    no_project = {k: v for k, v in env.items() if k not in ("CI_PROJECT_ID", "CI_PROJECT_PATH")}
    with pytest.raises(ConfigError, match="set CI_PROJECT_ID or CI_PROJECT_PATH"):
        open_forge("gitlab", Settings(), no_project)


def test_ciopt_gitlab_token_wins_and_the_project_path_works(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    fake = FakeGitLab(rsps, clone_url=CLONE_URL)
    env = fake.ci_env("web", tmp_path, GITLAB_TOKEN="glpat-staleotherstaleother")
    env["CIOPT_GITLAB_TOKEN"] = fake.token
    del env["CI_PROJECT_ID"]
    iid = fake.issue("t", "", author="alice")
    assert open_forge("gitlab", Settings(), env).thread(iid).number == iid
    assert fake.calls[-1][1] == f"/api/v4/projects/group%2Ftextkit/issues/{iid}"


def test_a_self_managed_instance_is_reached_at_its_api_url(
    rsps: responses.RequestsMock, tmp_path: Path
) -> None:
    fake = FakeGitLab(rsps, clone_url=CLONE_URL, url="https://git.corp.example:8443/gitlab")
    env = fake.ci_env("web", tmp_path)
    assert env["CI_API_V4_URL"] == "https://git.corp.example:8443/gitlab/api/v4"
    env["CI_SERVER_URL"] = "https://wrong.example"  # CI_API_V4_URL wins
    assert open_forge("gitlab", Settings(), env).whoami() == fake.me
    assert fake.calls == [("GET", "/gitlab/api/v4/user", None)]
