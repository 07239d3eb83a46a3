"""The GitHub backend end to end: real PyGithub talking HTTP to the ``FakeGitHub`` API, and git
pushing to a local bare repository standing in for GitHub's copy."""

from __future__ import annotations

import base64
import io
import json
import time
from pathlib import Path
from typing import Any

import pytest
import responses
from github import RateLimitExceededExceedsMaxWait
from urllib3 import HTTPResponse

from ciopt import proc
from ciopt.config import Settings
from ciopt.errors import CioptError, ConfigError
from ciopt.forges import open_forge
from ciopt.forges.base import Ask, Ignored, Person, Rules, Thread
from ciopt.forges.github.api import BODY_LIMIT, CUT_NOTE, GitHubForge, fit, retry
from ciopt.git import Git
from tests.helpers import git
from tests.helpers.fake_github import FakeGitHub

RULES = Rules(label="optimize", phrase="/optimize", me="github-actions[bot]")
PAYLOADS = Path(__file__).parent / "payloads"


@pytest.fixture
def fake(rsps: responses.RequestsMock, remote: Path) -> FakeGitHub:
    return FakeGitHub(rsps, clone_url=str(remote))


def environ(fake: FakeGitHub, **extra: str) -> dict[str, str]:
    return {
        "GITHUB_TOKEN": fake.token,
        "GITHUB_REPOSITORY": fake.full_name,
        "GITHUB_API_URL": fake.api_url,
        "GITHUB_SERVER_URL": fake.server_url,
        **extra,
    }


def make_forge(fake: FakeGitHub, env: dict[str, str] | None = None, **settings: Any) -> GitHubForge:
    chosen = Settings(**{"forge_write_interval": 0, **settings})
    return GitHubForge.from_environ(chosen, environ(fake) if env is None else env)


def commit(repo: Path, text: str) -> str:
    """A commit on top of main that no branch points at (as the pipeline leaves a candidate)."""
    (repo / "src" / "textkit" / "tokens.py").write_text(text)
    git(repo, "commit", "-qam", f"change {text[:10]}")
    sha = git(repo, "rev-parse", "HEAD")
    git(repo, "reset", "-q", "--hard", "HEAD~1")
    return sha


def requests_to(fake: FakeGitHub, method: str, suffix: str) -> list[tuple[str, str, object]]:
    return [c for c in fake.calls if c[0] == method and c[1].endswith(suffix)]


# -- comments and labels ---------------------------------------------------------------------


def test_comment_edit_and_list_oldest_first(fake: FakeGitHub) -> None:
    fake.user("alice")
    number = fake.issue("Speed up dedupe", "body", author="alice")
    fake.add_comment(number, "/optimize please", author="alice")
    forge = make_forge(fake)
    thread = forge.thread(number)

    made = forge.comment(thread, "<!-- ciopt:progress {} --> working")
    assert made.author == Person(login="github-actions[bot]", id=made.author.id, bot=True)
    assert made.url.endswith(f"/issues/{number}#issuecomment-{made.id}")
    forge.edit_comment(thread, made.id, "<!-- ciopt:progress {} --> done")

    listed = forge.comments(thread)
    assert [c.body for c in listed] == ["/optimize please", "<!-- ciopt:progress {} --> done"]
    assert [c.author.login for c in listed] == ["alice", "github-actions[bot]"]
    assert listed[1].id == made.id and listed[0].created_at < listed[1].created_at  # type: ignore[operator]
    path = f"/repos/octo/textkit/issues/comments/{made.id}"
    assert requests_to(fake, "PATCH", path) == [
        ("PATCH", path, {"body": "<!-- ciopt:progress {} --> done"})
    ]
    assert not requests_to(fake, "GET", path)  # edited without reading it first


def test_a_body_beyond_githubs_limit_is_cut_keeping_its_trailing_marker(fake: FakeGitHub) -> None:
    number = fake.issue("Speed up dedupe", "", author="alice")
    forge = make_forge(fake)
    long = "x" * 70_000 + "\n<!-- ciopt:end -->"
    made = forge.comment(Thread(number=number), long)
    stored = fake.comments[number][0]["body"]
    assert made.body == stored and len(stored) <= BODY_LIMIT
    assert stored.endswith("\n<!-- ciopt:end -->") and CUT_NOTE in stored


def test_fit_never_leaves_an_html_comment_open() -> None:
    body = "a" * 64_990 + "<!-- a long hidden note " + "b" * 2000
    cut = fit(body)
    assert len(cut) <= BODY_LIMIT and "<!--" not in cut and cut.endswith(CUT_NOTE)
    assert fit("short") == "short"


def test_fit_cuts_at_a_line_so_no_code_span_is_left_open() -> None:
    row = "| 1 | rejected | `tests failed: @org/team ![x](https://evil.test/x.png)` |\n"
    body = row * 2000 + "<!-- ciopt:progress {} -->"
    cut = fit(body)
    assert len(cut) <= BODY_LIMIT and cut.endswith(CUT_NOTE + "\n<!-- ciopt:progress {} -->")
    assert cut.removesuffix(CUT_NOTE + "\n<!-- ciopt:progress {} -->").endswith(row)


def test_relabel_creates_missing_labels_once_and_tolerates_absent_ones(fake: FakeGitHub) -> None:
    number = fake.issue("Speed up dedupe", "", author="alice", labels=["optimize", "perf"])
    forge = make_forge(fake)
    thread = Thread(number=number)

    assert forge.relabel(thread, add=["optimize:running"], remove=["optimize"]) == (
        "perf",
        "optimize:running",
    )
    assert forge.relabel(
        thread, add=["optimize:done"], remove=["optimize:running", "optimize:failed"]
    ) == ("perf", "optimize:done")
    assert forge.relabel(thread, add=["optimize:done"]) == ("perf", "optimize:done")
    assert {label["name"] for label in fake.issues[number]["labels"]} == {"perf", "optimize:done"}

    created = requests_to(fake, "POST", "/repos/octo/textkit/labels")
    assert [c[2] for c in created] == [
        {
            "name": "optimize:running",
            "color": "fbca04",
            "description": "ciopt is working on this request",
        },
        {
            "name": "optimize:done",
            "color": "0e8a16",
            "description": "ciopt answered this request; see its comment",
        },
    ]
    # another job (a fresh forge) finds them and creates nothing
    make_forge(fake).relabel(thread, add=["optimize:running"], remove=["optimize:done"])
    assert len(requests_to(fake, "POST", "/repos/octo/textkit/labels")) == 2
    assert not requests_to(fake, "DELETE", "/labels/optimize%3Afailed")


@pytest.mark.parametrize(
    ("permission", "allowed", "role"),
    [
        ("admin", True, "admin"),
        ("maintain", True, "write"),
        ("write", True, "write"),
        ("triage", False, "read"),
        ("read", False, "read"),
        (None, False, "none"),
    ],
)
def test_access_needs_write(
    fake: FakeGitHub, permission: str | None, allowed: bool, role: str
) -> None:
    if permission is not None:
        fake.user("carol", permission=permission)
    access = make_forge(fake).access(Person(login="carol"))
    assert (access.allowed, access.role) == (allowed, role)


def test_access_of_a_bot_login_is_asked_for_by_its_escaped_name(fake: FakeGitHub) -> None:
    fake.user("dependabot[bot]", permission="write", bot=True)
    assert make_forge(fake).access(Person(login="dependabot[bot]")).allowed
    assert requests_to(fake, "GET", "/collaborators/dependabot%5Bbot%5D/permission")


@pytest.mark.parametrize(
    ("me", "login"), [("github-actions[bot]", "github-actions[bot]"), ("ciopt-bot", "ciopt-bot")]
)
def test_whoami_falls_back_for_installation_tokens_and_is_cached(
    rsps: responses.RequestsMock, remote: Path, me: str, login: str
) -> None:
    fake = FakeGitHub(rsps, clone_url=str(remote), me=me)
    forge = make_forge(fake)
    assert forge.whoami() == login and forge.whoami() == login
    assert len(requests_to(fake, "GET", "/user")) == 1


# -- threads and asks ------------------------------------------------------------------------


def test_thread_is_the_pull_request_when_the_number_is_one(fake: FakeGitHub, remote: Path) -> None:
    main = git(remote, "rev-parse", "main")
    number = fake.pull("Faster", "pr body", author="bob", head_ref="fast", head_sha=main)
    forge = make_forge(fake)
    for kind in ("issue", "pull"):
        thread = forge.thread(number, kind)
        assert (thread.kind, thread.head_ref, thread.head_sha, thread.base_ref) == (
            "pull",
            "fast",
            main,
            "main",
        )
        assert thread.url.endswith(f"/pull/{number}") and not thread.fork
    with pytest.raises(ConfigError, match=r"read issue #99 in octo/textkit \(404\)"):
        forge.thread(99)


def test_a_labeled_issue_event_asks_without_calling_the_api(
    fake: FakeGitHub, tmp_path: Path
) -> None:
    fake.user("alice")
    number = fake.issue("Speed up dedupe", "make it fast", author="bob")
    env = fake.actions_env(
        "issues", fake.issues_labeled(number, label="optimize", sender="alice"), tmp_path
    )
    (ask,) = make_forge(fake, env).asks(env, RULES, None)
    assert isinstance(ask, Ask) and ask.via == "label" and ask.author.login == "alice"
    assert ask.thread is not None and ask.thread.labels == ("optimize",)
    assert ask.text == "make it fast" and fake.calls == []


def test_a_comment_on_a_pull_request_asks_with_its_branches(
    fake: FakeGitHub, remote: Path, tmp_path: Path
) -> None:
    main = git(remote, "rev-parse", "main")
    number = fake.pull("Faster", "", author="bob", head_ref="fast", head_sha=main, fork=True)
    said = fake.add_comment(number, "/optimize", author="alice")
    env = fake.actions_env("issue_comment", fake.issue_comment(said, number), tmp_path)
    (ask,) = make_forge(fake, env).asks(env, RULES, None)
    assert isinstance(ask, Ask) and ask.via == "comment" and ask.text == "/optimize"
    assert ask.comment is not None and ask.comment.id == said["id"]
    assert ask.thread is not None and ask.thread.kind == "pull" and ask.thread.fork
    assert ask.thread.head_ref == "fast" and ask.thread.base_ref == "main"


def test_an_edited_comment_is_ignored(fake: FakeGitHub, tmp_path: Path) -> None:
    number = fake.issue("Speed up dedupe", "", author="bob")
    said = fake.add_comment(number, "/optimize", author="alice")
    env = fake.actions_env(
        "issue_comment", fake.issue_comment(said, number, action="edited"), tmp_path
    )
    (ignored,) = make_forge(fake, env).asks(env, RULES, None)
    assert isinstance(ignored, Ignored) and ignored.reason == "edited"


@pytest.mark.parametrize("request_text", ["", "target=a.py::f bench=b.py"])
def test_a_dispatch_naming_an_issue_reads_its_body(
    fake: FakeGitHub, tmp_path: Path, request_text: str
) -> None:
    number = fake.issue("Speed up dedupe", "the issue asks", author="bob")
    payload = fake.workflow_dispatch(
        {"issue": str(number), "request": request_text}, sender="alice"
    )
    env = fake.actions_env("workflow_dispatch", payload, tmp_path)
    (ask,) = make_forge(fake, env).asks(env, RULES, None)
    assert isinstance(ask, Ask) and ask.via == "dispatch" and ask.author.login == "alice"
    assert ask.text == (request_text or "the issue asks")
    assert ask.thread is not None and ask.thread.number == number


def test_the_fakes_payloads_have_the_shape_of_githubs(fake: FakeGitHub) -> None:
    """The fields ciopt reads sit where they do in the recorded payloads."""
    number = fake.issue("Speed up dedupe", "", author="bob")
    said = fake.add_comment(number, "/optimize", author="alice")
    pairs = [
        ("issues-labeled.json", fake.issues_labeled(number, label="optimize", sender="alice")),
        ("issue-comment-issue.json", fake.issue_comment(said, number)),
        (
            "workflow-dispatch-issue.json",
            fake.workflow_dispatch({"issue": "1", "request": ""}, sender="alice"),
        ),
    ]
    for name, made in pairs:
        recorded = json.loads((PAYLOADS / name).read_text())
        assert _shape(recorded) <= _shape(made), name


def _shape(data: Any, prefix: str = "") -> set[str]:
    if not isinstance(data, dict):
        return set()
    keys = set()
    for key, value in data.items():
        if key in {
            "avatar_url",
            "performed_via_github_app",
            "description",
            "organization",
            "active_lock_reason",
        }:
            continue
        keys.add(prefix + key)
        keys |= _shape(value, f"{prefix}{key}.")
    return keys


def test_missing_or_unreadable_events_say_what_to_do(fake: FakeGitHub, tmp_path: Path) -> None:
    forge = make_forge(fake)
    with pytest.raises(ConfigError, match="pass --poll N or --request"):
        forge.asks(environ(fake), RULES, None)
    env = environ(fake, GITHUB_EVENT_NAME="issues", GITHUB_EVENT_PATH=str(tmp_path / "nope"))
    with pytest.raises(ConfigError, match="cannot read the issues event payload"):
        forge.asks(env, RULES, None)
    (tmp_path / "odd.json").write_text('{"action": "labeled", "label": {"name": "optimize"}}')
    env["GITHUB_EVENT_PATH"] = str(tmp_path / "odd.json")
    with pytest.raises(ConfigError, match="lacks 'issue'"):
        forge.asks(env, RULES, None)


def test_poll_finds_labeled_issues_oldest_first_skipping_pulls_and_capped(
    fake: FakeGitHub,
) -> None:
    first = fake.issue("one", "body one", author="alice", labels=["optimize"])
    fake.label_event(first, "optimize", actor="bob")  # bob labeled it again, last
    fake.issue("not asked", "", author="alice", labels=["perf"])
    pull = fake.pull("a pr", "", author="alice", head_ref="x", head_sha="a" * 40)
    fake.label_event(pull, "optimize", actor="alice")
    older = fake.issue("older", "body older", author="carol", labels=["optimize"])
    fake.issues[older]["created_at"] = "2020-01-01T00:00:00Z"
    fake.events[older].clear()  # no event: the author is the issue's
    fake.issue("third", "", author="dave", labels=["optimize"])

    asks = make_forge(fake).asks({}, RULES, 2)
    assert [(a.thread.number, a.author.login, a.text, a.via) for a in asks] == [  # type: ignore[union-attr]
        (older, "carol", "body older", "poll"),
        (first, "bob", "body one", "poll"),
    ]
    assert make_forge(fake).asks({}, RULES, 0) == []


def test_poll_follows_pages(fake: FakeGitHub) -> None:
    numbers = [fake.issue(f"i{n}", "", author="alice", labels=["optimize"]) for n in range(35)]
    asks = make_forge(fake).asks({}, RULES, 50)
    assert [a.thread.number for a in asks if isinstance(a, Ask) and a.thread] == numbers
    assert len(requests_to(fake, "GET", "/repos/octo/textkit/issues")) == 2


def test_a_schedule_polls_five(fake: FakeGitHub, tmp_path: Path) -> None:
    for n in range(7):
        fake.issue(f"i{n}", "", author="alice", labels=["optimize"])
    env = fake.actions_env("schedule", {"schedule": "*/30 * * * *"}, tmp_path)
    assert len(make_forge(fake, env).asks(env, RULES, None)) == 5


# -- branches and pull requests --------------------------------------------------------------


def test_publish_opens_one_draft_and_a_second_publish_updates_it(
    fake: FakeGitHub, example_repo: Path, remote: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argvs: list[tuple[str, ...]] = []
    headers: list[str] = []
    real_run = proc.run

    def recording(argv: Any, **kwargs: Any) -> proc.Completed:
        argvs.append(tuple(str(a) for a in argv))
        env = kwargs.get("env") or {}
        keys = [k for k, v in env.items() if "GIT_CONFIG_KEY" in k and v == "http.extraHeader"]
        headers.extend(env[k.replace("_KEY_", "_VALUE_")] for k in keys)
        return real_run(argv, **kwargs)

    monkeypatch.setattr(proc, "run", recording)
    forge, repo = make_forge(fake), Git(example_repo)
    first_sha = commit(example_repo, "# one\n")
    first = forge.publish(repo, branch="ciopt/issue-1", head=first_sha, title="T1", body="B1")

    assert not first.updated and first.number is not None
    (pull,) = fake.pulls.values()
    assert pull["draft"] is True and (pull["title"], pull["body"]) == ("T1", "B1")
    assert (pull["head"]["ref"], pull["base"]["ref"]) == ("ciopt/issue-1", "main")
    assert first.url == pull["html_url"] == f"https://github.com/octo/textkit/pull/{first.number}"
    assert git(remote, "rev-parse", "refs/heads/ciopt/issue-1") == first_sha

    second_sha = commit(example_repo, "# two\n")
    second = forge.publish(repo, branch="ciopt/issue-1", head=second_sha, title="T2", body="B2")
    assert second.updated and (second.number, second.url) == (first.number, first.url)
    assert len(fake.pulls) == 1 and (pull["title"], pull["body"]) == ("T2", "B2")
    assert git(remote, "rev-parse", "refs/heads/ciopt/issue-1") == second_sha
    assert forge.thread(first.number, "pull").head_sha == second_sha
    assert len(requests_to(fake, "POST", "/repos/octo/textkit/pulls")) == 1

    # the token went to git as a header, never in argv or a repository's config
    basic = base64.b64encode(f"x-access-token:{fake.token}".encode()).decode()
    assert headers and set(headers) == {f"Authorization: Basic {basic}"}
    assert argvs and not any(
        fake.token in " ".join(argv) or basic in " ".join(argv) for argv in argvs
    )
    for config in (remote / "config", example_repo / ".git" / "config"):
        assert fake.token not in config.read_text() and basic not in config.read_text()


def test_publish_opens_a_normal_pull_request_where_drafts_are_not_supported(
    fake: FakeGitHub, example_repo: Path
) -> None:
    fake.drafts_supported = False
    sha = commit(example_repo, "# one\n")
    made = make_forge(fake).publish(
        Git(example_repo), branch="ciopt/x", head=sha, title="T", body="B", base="main"
    )
    assert not made.updated and fake.pulls[made.number or 0]["draft"] is False
    posts = requests_to(fake, "POST", "/repos/octo/textkit/pulls")
    assert [p[2].get("draft") for p in posts if isinstance(p[2], dict)] == [True, None]


def test_publish_edits_the_pull_request_another_job_opened_meanwhile(
    fake: FakeGitHub, example_repo: Path
) -> None:
    """GitHub refuses a second pull request for one head: the job edits the existing one."""
    sha = commit(example_repo, "# one\n")
    forge = make_forge(fake)
    forge.publish(Git(example_repo), branch="ciopt/x", head=sha, title="T1", body="B1")
    # the list of open pull requests misses it once (the other job's was not listed yet)
    fake.fail("GET", r"/pulls$", 200, body=[])
    again = forge.publish(Git(example_repo), branch="ciopt/x", head=sha, title="T2", body="B2")
    assert again.updated and len(fake.pulls) == 1
    assert fake.pulls[again.number or 0]["body"] == "B2"


@pytest.mark.parametrize("fork", [False, True])
def test_fetch_brings_a_pull_requests_head_and_base(
    fake: FakeGitHub, example_repo: Path, remote: Path, tmp_path: Path, fork: bool
) -> None:
    contributor = tmp_path / "contributor"
    git(tmp_path, "clone", "--quiet", str(remote), str(contributor))
    (contributor / "NOTES.md").write_text("faster\n")
    git(contributor, "add", "NOTES.md")
    git(contributor, "commit", "-qm", "notes")
    head = git(contributor, "rev-parse", "HEAD")
    number_guess = len(fake.issues) + 1
    # GitHub keeps every pull request's head at refs/pull/N/head, forks' included
    target = f"refs/pull/{number_guess}/head" if fork else "refs/heads/feature"
    git(contributor, "push", "--quiet", str(remote), f"HEAD:{target}")
    number = fake.pull("Faster", "", author="bob", head_ref="feature", head_sha=head, fork=fork)
    assert number == number_guess
    assert git(remote, "rev-parse", f"refs/pull/{number}/head") == head

    forge = make_forge(fake)
    thread = forge.thread(number, "pull")
    assert thread.fork is fork
    assert forge.fetch(Git(example_repo), thread) == (head, git(remote, "rev-parse", "main"))
    assert git(example_repo, "cat-file", "-t", head) == "commit"
    with pytest.raises(ConfigError, match="is an issue, not a pull request"):
        forge.fetch(Git(example_repo), Thread(number=1))


def test_links_point_at_the_run_and_its_artifacts(fake: FakeGitHub) -> None:
    forge = make_forge(fake)
    env = environ(fake, GITHUB_RUN_ID="42", GITHUB_RUN_ATTEMPT="1")
    run = "https://github.com/octo/textkit/actions/runs/42"
    assert forge.links(env).model_dump() == {"job": run, "artifacts": f"{run}#artifacts"}
    env["GITHUB_RUN_ATTEMPT"] = "3"
    assert forge.links(env).job == f"{run}/attempts/3"
    assert forge.links(environ(fake)).model_dump() == {"job": None, "artifacts": None}


# -- retries and errors ----------------------------------------------------------------------


def test_a_rate_limit_and_a_bad_gateway_are_retried(fake: FakeGitHub) -> None:
    number = fake.issue("Speed up dedupe", "", author="alice")
    fake.fail("GET", rf"/issues/{number}$", 502)
    fake.fail(
        "POST",
        rf"/issues/{number}/comments$",
        403,
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time()))},
        body={"message": "API rate limit exceeded for installation ID 1."},
    )
    fake.fail("PATCH", r"/issues/comments/\d+$", 429, headers={"Retry-After": "0"})
    forge = make_forge(fake)
    thread = forge.thread(number)
    made = forge.comment(thread, "hello")
    forge.edit_comment(thread, made.id, "hello again")
    assert fake.comments[number][0]["body"] == "hello again"
    assert len(requests_to(fake, "GET", f"/issues/{number}")) == 2
    assert len(requests_to(fake, "POST", f"/issues/{number}/comments")) == 2
    assert len(requests_to(fake, "PATCH", f"/issues/comments/{made.id}")) == 2


def test_the_wait_for_a_primary_rate_limit_lasts_until_its_reset() -> None:
    def limited(reset: float) -> HTTPResponse:
        body = json.dumps({"message": "API rate limit exceeded for user ID 1."}).encode()
        headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(reset))}
        return HTTPResponse(io.BytesIO(body), headers=headers, status=403, preload_content=False)

    policy = retry(Settings())
    url = "https://api.github.com/repos/octo/textkit/issues/1"
    after = policy.increment(method="GET", url=url, response=limited(time.time() + 30))
    assert 29 <= after.get_backoff_time() <= 31
    with pytest.raises(RateLimitExceededExceedsMaxWait):
        policy.increment(method="GET", url=url, response=limited(time.time() + 7200))


def test_a_429_waits_for_its_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    waits: list[float] = []
    monkeypatch.setattr("urllib3.util.retry.time.sleep", waits.append)
    answer = HTTPResponse(io.BytesIO(b"{}"), headers={"Retry-After": "7"}, status=429)
    policy = retry(Settings())
    assert policy.is_retry("POST", 429, has_retry_after=True)
    policy.increment(method="POST", url="/repos/octo/textkit/pulls", response=answer).sleep(answer)
    assert waits == [7.0]


def test_a_rate_limit_too_long_to_wait_for_is_a_clear_error(fake: FakeGitHub) -> None:
    reset = int(time.time()) + 7200
    fake.fail(
        "GET",
        r"/issues/1$",
        403,
        body={"message": "API rate limit exceeded for x."},
        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(reset)},
    )
    fake.issue("Speed up dedupe", "", author="alice")
    with pytest.raises(CioptError, match="rate limit was reached while trying to read issue #1"):
        make_forge(fake).thread(1)


def test_errors_that_persist_are_ciopt_errors(fake: FakeGitHub) -> None:
    fake.issue("Speed up dedupe", "", author="alice")
    fake.fail("GET", r"/issues/1$", 502, times=10)
    with pytest.raises(CioptError, match=r"answered 502 \(Bad Gateway\)") as caught:
        make_forge(fake, forge_retries=2).thread(1)
    assert caught.value.reason == "forge_error"
    assert len(requests_to(fake, "GET", "/issues/1")) == 3


def test_writes_are_spaced_by_the_write_interval(
    fake: FakeGitHub, monkeypatch: pytest.MonkeyPatch
) -> None:
    waits: list[float] = []
    monkeypatch.setattr("github.Requester.time.sleep", waits.append)
    number = fake.issue("Speed up dedupe", "", author="alice")
    forge = make_forge(fake, forge_write_interval=2.0)
    forge.comment(Thread(number=number), "one")
    forge.comment(Thread(number=number), "two")
    assert len(waits) == 1 and 1.5 < waits[0] <= 2.0


@pytest.mark.parametrize(
    ("route", "needs"),
    [
        ("comment", "issues: write"),
        ("pull comment", "pull-requests: write"),
        ("publish", "pull-requests: write"),
    ],
)
def test_a_refused_write_names_the_permission_to_grant(
    fake: FakeGitHub, example_repo: Path, route: str, needs: str
) -> None:
    refusal = {"message": "Resource not accessible by integration"}
    fake.fail("POST", r"/(comments|pulls)$", 403, body=refusal)
    forge = make_forge(fake)
    with pytest.raises(ConfigError, match=f"grant the workflow `permissions: {needs}`"):
        if route == "publish":
            sha = commit(example_repo, "# one\n")
            forge.publish(Git(example_repo), branch="ciopt/x", head=sha, title="T", body="B")
        else:
            kind = "pull" if route == "pull comment" else "issue"
            forge.comment(Thread(number=1, kind=kind), "hello")


def test_a_bad_token_and_an_unknown_repository_are_config_errors(fake: FakeGitHub) -> None:
    with pytest.raises(
        ConfigError, match=r"rejected the token \(401 Bad credentials\).*GITHUB_TOKEN"
    ):
        make_forge(fake, environ(fake, GITHUB_TOKEN="ghp_wrong")).whoami()
    missing = make_forge(fake, environ(fake, GITHUB_REPOSITORY="octo/missing"))
    with pytest.raises(ConfigError, match=r"in octo/missing \(404\); check GITHUB_REPOSITORY"):
        missing.thread(1)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"GITHUB_REPOSITORY": "octo/textkit"}, "pass secrets.GITHUB_TOKEN, an App installation"),
        ({"GITHUB_TOKEN": "t"}, "GITHUB_REPOSITORY is '', not owner/name"),
        ({"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "textkit"}, "set it to the repository"),
    ],
)
def test_from_environ_says_what_is_missing(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        open_forge("github", Settings(), env)


def test_the_ciopt_token_comes_first(fake: FakeGitHub) -> None:
    env = environ(
        fake, GITHUB_TOKEN="ghp_wrong", GH_TOKEN="ghp_wrong", CIOPT_GITHUB_TOKEN=fake.token
    )
    assert make_forge(fake, env).whoami() == "github-actions[bot]"
    env = {k: v for k, v in env.items() if k not in {"CIOPT_GITHUB_TOKEN", "GITHUB_TOKEN"}}
    with pytest.raises(ConfigError, match="401"):
        make_forge(fake, env).whoami()


def test_github_enterprise_server_is_called_at_its_api_url(
    rsps: responses.RequestsMock, remote: Path
) -> None:
    fake = FakeGitHub(rsps, clone_url=str(remote), api_url="https://ghe.example.com/api/v3")
    number = fake.issue("Speed up dedupe", "", author="alice")
    forge = make_forge(fake)
    thread = forge.thread(number)
    assert thread.url == f"https://ghe.example.com/octo/textkit/issues/{number}"
    forge.comment(thread, "hello")
    assert [c[1] for c in fake.calls] == [
        f"/api/v3/repos/octo/textkit/issues/{number}",
        f"/api/v3/repos/octo/textkit/issues/{number}/comments",
    ]
    env = environ(fake, GITHUB_RUN_ID="5")
    assert forge.links(env).job == "https://ghe.example.com/octo/textkit/actions/runs/5"
