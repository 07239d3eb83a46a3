"""The Jira forge through the real ``jira`` library against ``FakeJira``: signing in (Cloud and
Data Center), who asked and whether they may, comments page by page with their markers, labels
and transitions, the remote link, retries and errors."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
import responses
from urllib3 import HTTPResponse

from ciopt.config import JiraSettings, Settings
from ciopt.errors import CioptError, ConfigError
from ciopt.forges import Ask, Ignored, Rules, Thread, open_forge, screen_ask
from ciopt.forges.jira.api import JiraForge
from ciopt.forges.jira.client import retry
from ciopt.forges.none import NoForge
from ciopt.trace import Redactor
from tests.helpers.fake_jira import FakeJira

DESCRIPTION = "dedupe is slow.\n\n{code:ciopt}\ntarget=src/m.py::f\nbench=benchmarks\n{code}\n"


@pytest.fixture
def jira(rsps: responses.RequestsMock) -> FakeJira:
    return FakeJira(rsps)


def _forge(jira: FakeJira, env: dict[str, str] | None = None, **given: Any) -> JiraForge:
    settings = Settings(jira=JiraSettings(**{"groups": ["ciopt-users"], **given}), forge_retries=2)
    return JiraForge.from_environ(settings, jira.env() if env is None else env, code=NoForge())


def _ask(forge: JiraForge, environ: dict[str, str], label: str = "optimize") -> Ask | Ignored:
    (found,) = forge.asks(environ, Rules(label=label, me=forge.whoami()), None)
    return found


def _requests(jira: FakeJira, method: str, path: str) -> list[tuple[str, str, object]]:
    return [c for c in jira.calls if c[0] == method and c[1].endswith(path)]


# -- signing in --------------------------------------------------------------------------------


@pytest.mark.parametrize("cloud", [True, False])
def test_cloud_signs_in_with_a_token_and_data_center_with_a_personal_access_token(
    rsps: responses.RequestsMock, cloud: bool
) -> None:
    jira = FakeJira(rsps, cloud=cloud, url="https://jira.acme.example/jira")
    forge = _forge(jira)
    assert forge.whoami() == jira.me
    assert [c[1] for c in jira.calls] == ["/jira/rest/api/2/serverInfo", "/jira/rest/api/2/myself"]


@pytest.mark.parametrize(
    ("drop", "said"),
    [
        ("JIRA_URL", "no Jira site: set JIRA_URL"),
        ("JIRA_API_TOKEN", "no Jira credentials in JIRA_EMAIL and JIRA_API_TOKEN"),
    ],
)
def test_a_missing_site_or_credential_is_said(jira: FakeJira, drop: str, said: str) -> None:
    env = {k: v for k, v in jira.env().items() if k != drop}
    with pytest.raises(ConfigError, match=said):
        _forge(jira, env)


def test_wrong_credentials_are_a_config_error(jira: FakeJira) -> None:
    with pytest.raises(ConfigError, match=r"Jira rejected the credentials \(401\)"):
        _forge(jira, {**jira.env(), "JIRA_API_TOKEN": "not-the-token"})


def test_a_credential_in_a_variable_that_does_not_look_secret_is_refused(jira: FakeJira) -> None:
    env = {**jira.env(), "JIRA_CRED": jira.token}
    with pytest.raises(ConfigError, match="JIRA_CRED does not look secret"):
        _forge(jira, env, token_variable="JIRA_CRED")


def test_a_forge_that_lets_nobody_ask_is_refused(jira: FakeJira) -> None:
    with pytest.raises(ConfigError, match="lets nobody start runs"):
        _forge(jira, groups=[])


def test_the_registry_wraps_the_ci_s_own_code_forge(jira: FakeJira) -> None:
    settings = Settings(forge="jira", jira=JiraSettings(groups=["ciopt-users"]))
    actions = {"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "octo/textkit", "GITHUB_TOKEN": "t"}
    forge = open_forge("jira", settings, {**jira.env(), **actions})
    assert isinstance(forge, JiraForge) and forge.code.name == "github"
    with pytest.raises(ConfigError, match=r"this is neither.s CI; set jira\.forge"):
        open_forge("jira", settings, jira.env())


def test_the_personal_access_tokens_variable_is_a_secret_to_the_redactor(
    rsps: responses.RequestsMock,
) -> None:
    jira = FakeJira(rsps, cloud=False)
    redact = Redactor.from_environ({**jira.env(), "PATH": "/usr/local/bin:/usr/bin"}).text
    assert jira.pat not in redact(f"Authorization: Bearer {jira.pat}")
    assert redact("PATH=/usr/local/bin:/usr/bin") == "PATH=/usr/local/bin:/usr/bin"


def test_a_poll_is_refused(jira: FakeJira) -> None:
    with pytest.raises(ConfigError, match="polls nothing"):
        _forge(jira).asks({}, Rules(), 5)


# -- who asked, and may they -------------------------------------------------------------------


@pytest.mark.parametrize("named", ["trigger", "label", "reporter"])
def test_the_requester_is_whom_the_trigger_names_else_the_labeler_else_the_reporter(
    jira: FakeJira, named: str
) -> None:
    alice = jira.user("alice", groups=["ciopt-users"])
    bob, carol = jira.user("bob"), jira.user("carol")
    key = jira.issue("PROJ", "Speed up f", DESCRIPTION, reporter=carol)
    if named != "reporter":
        jira.add_label(key, "triage", actor=alice)
        jira.add_label(key, "optimize", actor=bob)
    environ = {"CIOPT_JIRA_ISSUE": key} | ({"CIOPT_JIRA_USER": alice} if named == "trigger" else {})
    ask = _ask(_forge(jira), environ)
    assert isinstance(ask, Ask)
    assert ask.author.login == {"trigger": alice, "label": bob, "reporter": carol}[named]
    assert ask.via == "dispatch" and ask.thread is not None
    assert ask.thread.key == f"jira-{key}" and ask.thread.url == f"{jira.url}/browse/{key}"
    assert "```ciopt\ntarget=src/m.py::f" in ask.text


def test_a_requester_jira_does_not_know_is_said(jira: FakeJira) -> None:
    key = jira.issue("PROJ", "x", DESCRIPTION, reporter=jira.user("alice"))
    with pytest.raises(ConfigError, match="Jira knows no such user"):
        _ask(_forge(jira), {"CIOPT_JIRA_ISSUE": key, "CIOPT_JIRA_USER": "712020:nobody"})


def test_an_app_account_asks_as_a_bot(jira: FakeJira) -> None:
    automation = jira.user("automation", app=True)
    key = jira.issue("PROJ", "x", DESCRIPTION, reporter=automation)
    ask = _ask(_forge(jira), {"CIOPT_JIRA_ISSUE": key})
    assert isinstance(ask, Ask) and ask.author.bot
    screened = screen_ask(ask, Rules())
    assert isinstance(screened, Ignored) and screened.reason == "bot"


def test_an_issue_of_another_project_is_no_request(jira: FakeJira) -> None:
    key = jira.issue("HR", "x", DESCRIPTION, reporter=jira.user("alice"))
    found = _ask(_forge(jira, projects=["PROJ"]), {"CIOPT_JIRA_ISSUE": key})
    assert isinstance(found, Ignored) and found.reason == "other_project"


def test_members_of_the_group_or_the_project_role_may_ask_and_others_not(jira: FakeJira) -> None:
    member = jira.user("alice", groups=["ciopt-users"])
    by_role, by_group, outsider = (
        jira.user("bob"),
        jira.user("carol", groups=["devs"]),
        jira.user("mallory"),
    )
    jira.role("PROJ", "Developers", users=[by_role], groups=["devs"])
    jira.role("PROJ", "Viewers", users=[outsider])
    key = jira.issue("PROJ", "x", DESCRIPTION, reporter=member)
    forge = _forge(jira, project_roles=["developers"])
    ask = _ask(forge, {"CIOPT_JIRA_ISSUE": key})
    assert isinstance(ask, Ask) and ask.thread is not None
    roles = {
        login: forge.access(ask.author.model_copy(update={"login": login}), ask.thread)
        for login in (member, by_role, by_group, outsider)
    }
    assert [a.role for a in roles.values()] == [
        "group ciopt-users",
        "project role developers",
        "project role developers",
        "none",
    ]
    assert [a.allowed for a in roles.values()] == [True, True, True, False]
    assert roles[outsider].needed == (
        "members of the Jira group `ciopt-users` or the project role `developers` in `PROJ`"
    )


def test_a_project_role_the_project_lacks_is_a_config_error(jira: FakeJira) -> None:
    alice = jira.user("alice")
    jira.role("PROJ", "Developers")
    key = jira.issue("PROJ", "x", DESCRIPTION, reporter=alice)
    forge = _forge(jira, project_roles=["Maintainers"])
    ask = _ask(forge, {"CIOPT_JIRA_ISSUE": key})
    assert isinstance(ask, Ask)
    with pytest.raises(ConfigError, match=r"has no role 'Maintainers'.*Developers"):
        forge.access(ask.author, ask.thread)


# -- comments ----------------------------------------------------------------------------------


def _thread(jira: FakeJira, forge: JiraForge, **issue: Any) -> tuple[str, Thread]:
    alice = jira.user("alice", groups=["ciopt-users"])
    key = jira.issue("PROJ", "x", DESCRIPTION, reporter=alice, **issue)
    ask = _ask(forge, {"CIOPT_JIRA_ISSUE": key, "CIOPT_JIRA_USER": alice})
    assert isinstance(ask, Ask) and ask.thread is not None
    return key, ask.thread


def test_comments_are_read_page_by_page_and_ciopts_keep_their_markers(jira: FakeJira) -> None:
    forge = _forge(jira)
    key, thread = _thread(jira, forge)
    for i in range(120):
        jira.add_comment(key, f"comment {i}", author=jira.user("bob"))
    made = forge.comment(thread, '<!-- ciopt:progress {"key":"jira-PROJ-1"} -->\n**Working**')
    forge.edit_comment(thread, made.id, '<!-- ciopt:progress {"key":"jira-PROJ-1","n":2} -->\nDone')
    comments = forge.comments(thread)
    assert (
        len(comments) == 121 and len(_requests(jira, "GET", f"/issue/{thread.number}/comment")) == 3
    )
    assert comments[-1].body.endswith('<!-- ciopt:progress {"key":"jira-PROJ-1","n":2} -->')
    assert comments[-1].author.login == forge.whoami() and comments[0].body == "comment 0"
    assert jira.comments[key][-1]["body"].startswith("Done\n\n{color:#97a0af}ciopt-marker ")


def test_a_comment_mentions_the_requester_the_jira_way(rsps: responses.RequestsMock) -> None:
    jira = FakeJira(rsps, cloud=False)
    forge = _forge(jira)
    key, thread = _thread(jira, forge)
    forge.comment(thread, "Thanks for asking, @alice!")
    assert jira.comments[key][-1]["body"] == "Thanks for asking, [~alice]\\!"


def test_editing_a_comment_ciopt_did_not_write_is_refused(jira: FakeJira) -> None:
    forge = _forge(jira)
    key, thread = _thread(jira, forge)
    theirs = jira.add_comment(key, "mine", author=jira.user("bob"))
    with pytest.raises(ConfigError, match=r"Jira refused to edit comment .* 'Edit own comments'"):
        forge.edit_comment(thread, int(theirs["id"]), "taken over")


# -- labels, transitions, links ----------------------------------------------------------------


def test_state_labels_are_named_as_configured_and_states_move_the_workflow(
    jira: FakeJira, capsys: pytest.CaptureFixture[str]
) -> None:
    forge = _forge(
        jira,
        labels={"running": "ciopt-running", "done": "ciopt-done"},
        transitions={"running": "In Progress", "done": "Review", "failed": "Blocked"},
    )
    key, thread = _thread(jira, forge, labels=["optimize"])
    fields = jira.issues[key]["fields"]
    forge.relabel(thread, add=["optimize:running"], remove=["optimize", "optimize:done"])
    assert fields["labels"] == ["ciopt-running"] and fields["status"]["name"] == "In Progress"
    forge.relabel(thread, add=["optimize:running"])  # again: in that status already
    assert len(_requests(jira, "POST", "/transitions")) == 1
    forge.relabel(thread, add=["optimize:done"], remove=["optimize:running"])
    assert fields["labels"] == ["ciopt-done"] and fields["status"]["name"] == "In Review"
    labels = forge.relabel(thread, add=["optimize:failed"], remove=["optimize:running"])
    assert labels == ("ciopt-done",)  # no label for failed; no such transition: said, not fatal
    assert "offers no transition 'Blocked'" in capsys.readouterr().err
    assert fields["status"]["name"] == "In Review"


def test_the_pull_request_is_linked_once_however_often_it_runs(jira: FakeJira) -> None:
    forge = _forge(jira)
    key, thread = _thread(jira, forge)
    url = "https://github.com/octo/textkit/pull/2"
    forge.link(thread, url, "perf: dedupe")
    forge.link(thread, url, "perf: dedupe, again")
    forge.link(thread, url.replace("/2", "/3"), "perf: another")
    links = jira.remote_links[key]
    assert [(k["object"]["url"], k["object"]["title"]) for k in links] == [
        (url, "perf: dedupe, again"),
        (url.replace("/2", "/3"), "perf: another"),
    ]
    assert links[0]["globalId"] == f"ciopt:{url}"
    assert not _requests(jira, "GET", "/listApplicationlinks")  # it takes an administrator


# -- retries and errors ------------------------------------------------------------------------


def test_a_429_is_retried_and_a_lasting_5xx_is_a_ciopt_error(jira: FakeJira) -> None:
    forge = _forge(jira)
    key, thread = _thread(jira, forge)
    jira.fail("POST", r"/comment$", 429, headers={"Retry-After": "7"})
    forge.comment(thread, "hello")
    assert len(_requests(jira, "POST", "/comment")) == 2 and len(jira.comments[key]) == 1
    jira.fail("GET", r"/comment$", 502, times=5)
    with pytest.raises(CioptError, match=r"Jira kept failing \(502\)") as caught:
        forge.comments(thread)
    assert caught.value.reason == "forge_unavailable"
    assert len(_requests(jira, "GET", f"/issue/{thread.number}/comment")) == 3  # 1 + 2 retries


def test_a_429_waits_for_its_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr("urllib3.util.retry.time.sleep", waits.append)
    answer = HTTPResponse(io.BytesIO(b"{}"), headers={"Retry-After": "7"}, status=429)
    policy = retry(Settings())
    assert policy.is_retry("POST", 429, has_retry_after=True)
    policy.increment(method="POST", url="/rest/api/2/issue/1/comment", response=answer).sleep(
        answer
    )
    assert waits == [7.0]


def test_an_unknown_issue_is_a_config_error(jira: FakeJira) -> None:
    with pytest.raises(ConfigError, match=r"Jira found nothing to read the issue PROJ-9 \(404"):
        _forge(jira).asks({"CIOPT_JIRA_ISSUE": "PROJ-9"}, Rules(), None)


def test_no_credential_leaves_in_a_body_or_an_address(jira: FakeJira) -> None:
    forge = _forge(jira)
    _, thread = _thread(jira, forge)
    forge.comment(thread, "hello")
    sent = json.dumps(jira.calls)
    assert jira.token not in sent and jira.email not in sent


def test_payloads_folder_holds_only_json() -> None:
    folder = Path(__file__).parent / "payloads"
    assert {p.suffix for p in folder.iterdir()} == {".json"}
