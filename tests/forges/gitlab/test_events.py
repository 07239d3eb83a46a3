"""GitLab CI events read as asks: webhook payloads (GitLab's documented shapes, in
``payloads/``) and ``api`` / ``web`` pipeline variables."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ciopt.errors import ConfigError
from ciopt.forges.base import Ask, Ignored, Person, Rules
from ciopt.forges.gitlab.events import Found, Lookup, read_event

PAYLOADS = Path(__file__).parent / "payloads"
RULES = Rules(label="optimize", phrase="/optimize")


def _payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / f"{name}.json").read_text())
    return data


def _triggered(
    tmp_path: Path, payload: dict[str, Any], rules: Rules = RULES, project: str | int = 42
) -> Found:
    """The one ask of a trigger pipeline whose TRIGGER_PAYLOAD file holds ``payload``."""
    file = tmp_path / "payload.json"
    file.write_text(json.dumps(payload))
    env = {"CI_PIPELINE_SOURCE": "trigger", "TRIGGER_PAYLOAD": str(file)}
    [found] = read_event(env, rules, project)
    return found


def _ignored(found: Found) -> str:
    assert isinstance(found, Ignored), found
    return found.reason


def test_adding_the_label_asks_with_the_issue_body(tmp_path: Path) -> None:
    ask = _triggered(tmp_path, _payload("issue_labeled"))
    assert isinstance(ask, Ask) and ask.thread is not None
    assert ask.via == "label" and ask.comment is None
    assert ask.author == Person(login="alice", id=7)
    assert (ask.thread.kind, ask.thread.number) == ("issue", 12)
    assert ask.thread.title == "Speed up dedupe"
    assert ask.thread.url == "https://gitlab.example.com/group/textkit/-/issues/12"
    assert ask.thread.labels == ("bug", "optimize")
    assert ask.text.startswith("dedupe is slow.") and "```ciopt" in ask.text


def test_a_label_other_than_the_configured_one_is_not_a_request(tmp_path: Path) -> None:
    assert _ignored(_triggered(tmp_path, _payload("issue_labeled"), Rules(label="perf"))) == (
        "wrong_label"
    )
    # the label was there before this change: it was not added now
    payload = _payload("issue_labeled")
    payload["changes"]["labels"]["previous"] = payload["changes"]["labels"]["current"]
    assert _ignored(_triggered(tmp_path, payload)) == "wrong_label"


def test_an_issue_change_that_touches_no_label_is_not_a_request(tmp_path: Path) -> None:
    assert _ignored(_triggered(tmp_path, _payload("issue_retitled"))) == "no_label_change"


def test_labeling_a_closed_issue_is_not_a_request(tmp_path: Path) -> None:
    payload = _payload("issue_labeled")
    payload["object_attributes"]["state"] = "closed"
    assert _ignored(_triggered(tmp_path, payload)) == "closed"


def test_a_note_on_an_issue_asks_with_its_comment(tmp_path: Path) -> None:
    ask = _triggered(tmp_path, _payload("note_issue"))
    assert isinstance(ask, Ask) and ask.thread is not None and ask.comment is not None
    assert ask.via == "comment"
    assert (ask.thread.kind, ask.thread.number, ask.thread.labels) == ("issue", 12, ("bug",))
    assert ask.thread.url == "https://gitlab.example.com/group/textkit/-/issues/12"
    assert ask.comment.id == 1501 and ask.comment.author == Person(login="alice", id=7)
    assert ask.comment.url.endswith("/-/issues/12#note_1501")
    assert ask.comment.created_at == datetime(2026, 1, 2, 11, 0, tzinfo=UTC)
    assert ask.text == ask.comment.body and ask.text.startswith("/optimize target=")


def test_a_note_on_a_merge_request_asks_on_its_branches(tmp_path: Path) -> None:
    ask = _triggered(tmp_path, _payload("note_merge_request"))
    assert isinstance(ask, Ask) and ask.thread is not None and ask.comment is not None
    thread = ask.thread
    assert (thread.kind, thread.number, thread.key) == ("pull", 3, "pr-3")
    assert (thread.head_ref, thread.base_ref) == ("speedups", "main")
    assert thread.head_sha == "562e173be03b8ff2efb05345d12df18815438a4b"
    assert thread.fork is False and thread.body == "Docstrings for tokens.py"
    assert ask.author == Person(login="bob", id=8) and ask.comment.id == 1502
    assert "/optimize bench=" in ask.text


def test_a_note_on_a_merge_request_from_a_fork_says_so(tmp_path: Path) -> None:
    payload = _payload("note_merge_request")
    payload["merge_request"]["source_project_id"] = 77
    ask = _triggered(tmp_path, payload)
    assert isinstance(ask, Ask) and ask.thread is not None and ask.thread.fork is True


def test_edited_and_system_notes_and_other_noteables_are_ignored(tmp_path: Path) -> None:
    assert _ignored(_triggered(tmp_path, _payload("note_update"))) == "edited"
    system = _payload("note_issue")
    system["object_attributes"]["system"] = True
    assert _ignored(_triggered(tmp_path, system)) == "system_note"
    snippet = _payload("note_issue")
    snippet["object_attributes"]["noteable_type"] = "Snippet"
    assert _ignored(_triggered(tmp_path, snippet)) == "unsupported_event"


def test_a_note_on_a_merged_merge_request_is_ignored(tmp_path: Path) -> None:
    payload = _payload("note_merge_request")
    payload["merge_request"]["state"] = "merged"
    assert _ignored(_triggered(tmp_path, payload)) == "closed"


def test_webhooks_ciopt_does_not_answer_are_ignored(tmp_path: Path) -> None:
    payload = _payload("issue_labeled")
    payload["object_kind"] = payload["event_type"] = "merge_request"
    found = _triggered(tmp_path, payload)
    assert _ignored(found) == "unsupported_event"
    assert isinstance(found, Ignored) and "merge_request" in found.message


@pytest.mark.parametrize(
    ("project", "reason"),
    [
        (43, "other_project"),
        ("43", "other_project"),
        ("other/textkit", "other_project"),
        ("GROUP/textkit", None),
        (42, None),
    ],
)
def test_a_payload_for_another_project_is_ignored(
    tmp_path: Path, project: str | int, reason: str | None
) -> None:
    found = _triggered(tmp_path, _payload("note_issue"), project=project)
    assert (found.reason if isinstance(found, Ignored) else None) == reason


def test_the_payload_may_be_inline_json() -> None:
    env = {"CI_PIPELINE_SOURCE": "trigger", "TRIGGER_PAYLOAD": json.dumps(_payload("note_issue"))}
    [found] = read_event(env, RULES, 42)
    assert isinstance(found, Ask) and found.via == "comment"


@pytest.mark.parametrize(
    ("value", "says"),
    [
        (None, "TRIGGER_PAYLOAD is not set"),
        ("/nonexistent/payload.json", "cannot read"),
        ("{not json", "cannot read"),
        ("[1, 2]", "not a webhook body"),
    ],
)
def test_a_missing_or_unreadable_payload_says_what_to_do(value: str | None, says: str) -> None:
    env = {"CI_PIPELINE_SOURCE": "trigger"} | ({"TRIGGER_PAYLOAD": value} if value else {})
    with pytest.raises(ConfigError, match=says):
        read_event(env, RULES, 42)


def _dispatched(**variables: str) -> Found:
    env = {"CI_PIPELINE_SOURCE": "web", "GITLAB_USER_LOGIN": "carol", "GITLAB_USER_ID": "9"}
    [found] = read_event(env | variables, RULES, 42)
    return found


def test_a_pipeline_naming_an_issue_is_looked_up_by_the_backend() -> None:
    carol = Person(login="carol", id=9)
    assert _dispatched(CIOPT_ISSUE="12") == Lookup(kind="issue", number=12, author=carol, text=None)
    assert _dispatched(CIOPT_ISSUE="#12", CIOPT_REQUEST="target=a.py::f bench=b") == Lookup(
        kind="issue", number=12, author=carol, text="target=a.py::f bench=b"
    )


def test_a_pipeline_naming_a_merge_request_is_looked_up_by_the_backend() -> None:
    found = _dispatched(CIOPT_MR="!3")
    assert found == Lookup(kind="pull", number=3, author=Person(login="carol", id=9), text="")


def test_a_pipeline_with_only_request_text_asks_without_a_thread() -> None:
    found = _dispatched(CIOPT_REQUEST="target=src/a.py::f bench=benchmarks")
    assert found == Ask(
        thread=None,
        author=Person(login="carol", id=9),
        text="target=src/a.py::f bench=benchmarks",
        via="dispatch",
    )


def test_a_pipeline_naming_nothing_is_not_a_request() -> None:
    assert _ignored(_dispatched()) == "empty_request"
    assert _ignored(_dispatched(CIOPT_REQUEST="   ")) == "empty_request"


@pytest.mark.parametrize(
    ("variables", "says"),
    [
        ({"CIOPT_ISSUE": "twelve"}, "CIOPT_ISSUE='twelve' is not a number"),
        ({"CIOPT_ISSUE": "1", "CIOPT_MR": "2"}, "not both"),
    ],
)
def test_bad_pipeline_variables_say_what_to_fix(variables: dict[str, str], says: str) -> None:
    with pytest.raises(ConfigError, match=says):
        _dispatched(**variables)


@pytest.mark.parametrize("source", ["push", "merge_request_event", "pipeline", ""])
def test_other_pipeline_sources_are_not_requests(source: str) -> None:
    [found] = read_event({"CI_PIPELINE_SOURCE": source}, RULES, 42)
    assert _ignored(found) == "unsupported_event"
    assert isinstance(found, Ignored) and (source or "unknown") in found.message
