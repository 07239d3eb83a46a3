"""GitHub Actions payloads (``payloads/*.json``, GitHub's shapes) read as asks."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ciopt.errors import ConfigError
from ciopt.forges.base import Ask, Ignored, Person, Rules, Thread
from ciopt.forges.github.events import Lookup, Poll, pull_thread, read_event

PAYLOADS = Path(__file__).parent / "payloads"
RULES = Rules(label="optimize", phrase="/optimize")
ALICE = Person(login="alice", id=583231, bot=False)


def payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return data


def read(name: str, data: dict[str, Any], rules: Rules = RULES) -> Ask | Ignored | Lookup | Poll:
    events = read_event(name, data, rules=rules, repository="octo/textkit")
    assert len(events) == 1
    return events[0]


def test_the_label_added_by_a_person_asks_with_the_issue_body() -> None:
    ask = read("issues", payload("issues-labeled.json"))
    assert isinstance(ask, Ask)
    assert (ask.via, ask.author, ask.comment) == ("label", ALICE, None)
    assert ask.thread is not None
    assert (ask.thread.number, ask.thread.kind, ask.thread.labels) == (7, "issue", ("optimize",))
    assert ask.thread.url == "https://github.com/octo/textkit/issues/7"
    assert ask.thread.author == Person(login="bob", id=1024025)
    assert ask.text == ask.thread.body and "target = src/textkit/tokens.py::dedupe" in ask.text


@pytest.mark.parametrize(("label", "asks"), [("Optimize", True), ("speedup", False)])
def test_only_the_configured_label_asks(label: str, asks: bool) -> None:
    found = read("issues", payload("issues-labeled.json"), Rules(label=label))
    if asks:
        assert isinstance(found, Ask)
    else:
        assert isinstance(found, Ignored) and found.reason == "wrong_label"
        assert "'optimize'" in found.message and "'speedup'" in found.message


def test_other_issue_actions_are_ignored() -> None:
    data = payload("issues-labeled.json") | {"action": "opened"}
    found = read("issues", data)
    assert isinstance(found, Ignored) and found.reason == "unsupported_action"


def test_a_new_comment_on_an_issue_asks_unscreened() -> None:
    data = payload("issue-comment-issue.json")
    ask = read("issue_comment", data)
    assert isinstance(ask, Ask) and ask.via == "comment"
    assert ask.text == "/optimize candidates=2" and ask.author == ALICE
    assert ask.comment is not None and ask.comment.id == 2084576301
    assert ask.comment.url.endswith("/issues/7#issuecomment-2084576301")
    assert ask.comment.created_at is not None and ask.comment.created_at.year == 2024
    assert ask.thread is not None and (ask.thread.number, ask.thread.kind) == (7, "issue")
    # no phrase, a bot: still an ask here; forges.screen decides
    data["comment"]["body"] = "looks good"
    data["comment"]["user"] |= {"login": "dependabot[bot]", "type": "Bot"}
    chatter = read("issue_comment", data)
    assert isinstance(chatter, Ask) and chatter.author.bot and chatter.text == "looks good"


def test_a_comment_on_a_pull_request_needs_the_pull_request_from_the_api() -> None:
    found = read("issue_comment", payload("issue-comment-pull.json"))
    assert isinstance(found, Lookup)
    assert (found.number, found.kind, found.via) == (9, "pull", "comment")
    assert found.comment is not None and found.text == found.comment.body
    pull = Thread(number=9, kind="pull", body="Rewrites the tokenizer loop.", head_ref="fast")
    ask = found.complete(pull)
    assert ask.thread == pull and ask.text == "/optimize bench=benchmarks/test_bench_tokens.py"


@pytest.mark.parametrize("action", ["edited", "deleted"])
def test_edited_and_deleted_comments_never_ask(action: str) -> None:
    data = payload("issue-comment-edited.json") | {"action": action}
    found = read("issue_comment", data)
    assert isinstance(found, Ignored) and found.reason == "edited"


@pytest.mark.parametrize(
    ("inputs", "number", "text"),
    [
        ({"issue": "7", "request": ""}, 7, None),
        ({"issue": " #7 ", "request": "target=a.py::f bench=b.py"}, 7, "target=a.py::f bench=b.py"),
        ({"issue": 7}, 7, None),
    ],
)
def test_a_dispatch_naming_an_issue_reads_it_from_the_api(
    inputs: dict[str, Any], number: int, text: str | None
) -> None:
    data = payload("workflow-dispatch-issue.json") | {"inputs": inputs}
    found = read("workflow_dispatch", data)
    assert isinstance(found, Lookup)
    assert (found.number, found.kind, found.via, found.text) == (number, "issue", "dispatch", text)
    assert found.author == ALICE
    ask = found.complete(Thread(number=7, body="the issue body"))
    assert ask.text == (text or "the issue body")


def test_a_dispatch_with_only_a_request_has_no_thread() -> None:
    ask = read("workflow_dispatch", payload("workflow-dispatch-request.json"))
    assert isinstance(ask, Ask) and ask.thread is None and ask.via == "dispatch"
    assert ask.text.startswith("target=src/textkit/tokens.py::dedupe")


@pytest.mark.parametrize("inputs", [{"issue": "", "request": "  "}, {}])
def test_an_empty_dispatch_is_ignored(inputs: dict[str, str]) -> None:
    data = payload("workflow-dispatch-request.json") | {"inputs": inputs}
    found = read("workflow_dispatch", data)
    assert isinstance(found, Ignored) and found.reason == "empty_dispatch"


def test_a_dispatch_issue_that_is_not_a_number_says_what_to_give() -> None:
    data = payload("workflow-dispatch-issue.json") | {"inputs": {"issue": "seven"}}
    with pytest.raises(ConfigError, match="is not an issue number; give a number"):
        read("workflow_dispatch", data)


def test_unsupported_events_are_named() -> None:
    found = read("push", payload("push.json"))
    assert isinstance(found, Ignored) and found.reason == "unsupported_event"
    assert "push" in found.message


def test_a_schedule_polls() -> None:
    assert read("schedule", {"schedule": "*/15 * * * *"}) == Poll(count=5)


def test_an_event_for_another_repository_is_ignored() -> None:
    data = payload("issues-labeled.json")
    data["repository"]["full_name"] = "someone/else"
    found = read("issues", data)
    assert isinstance(found, Ignored) and found.reason == "other_repository"


@pytest.mark.parametrize(
    ("head_repo", "fork"),
    [({"full_name": "octo/textkit"}, False), ({"full_name": "bob/textkit"}, True), (None, True)],
)
def test_a_pull_request_from_another_or_a_deleted_repository_is_a_fork(
    head_repo: dict[str, str] | None, fork: bool
) -> None:
    pull = {
        "number": 9,
        "title": "Faster",
        "body": None,
        "html_url": "https://github.com/octo/textkit/pull/9",
        "labels": [{"name": "optimize"}],
        "user": {"login": "bob", "id": 2, "type": "User"},
        "head": {"ref": "fast", "sha": "a" * 40, "repo": head_repo},
        "base": {"ref": "main", "sha": "b" * 40, "repo": {"full_name": "octo/textkit"}},
    }
    thread = pull_thread(pull)
    assert (thread.kind, thread.head_ref, thread.head_sha, thread.base_ref) == (
        "pull",
        "fast",
        "a" * 40,
        "main",
    )
    assert thread.fork is fork and thread.body == "" and thread.labels == ("optimize",)
