"""The dispatch of a Jira-triggered job, read from Actions events, GitLab's trigger body and
variables: pure functions over the payloads in ``payloads/`` (Jira's webhook bodies, GitHub's
``repository_dispatch`` and ``workflow_dispatch`` events)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ciopt.errors import ConfigError
from ciopt.forges import Ignored
from ciopt.forges.jira.events import Dispatch, read_dispatch

PAYLOADS = Path(__file__).parent / "payloads"
ALICE = "712020:9750dcc2-516e-5ea0-8a26-54fa6ff6986b"


def _payload(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((PAYLOADS / name).read_text())
    return data


def _actions(event: str, payload: dict[str, Any], tmp_path: Path) -> dict[str, str]:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return {"GITHUB_ACTIONS": "true", "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(path)}


@pytest.mark.parametrize(
    ("event", "name"),
    [
        ("repository_dispatch", "repository-dispatch.json"),
        ("repository_dispatch", "repository-dispatch-webhook.json"),
        ("workflow_dispatch", "workflow-dispatch-jira.json"),
    ],
)
def test_an_actions_dispatch_names_the_issue_and_the_requester(
    event: str, name: str, tmp_path: Path
) -> None:
    found = read_dispatch(_actions(event, _payload(name), tmp_path))
    assert found == Dispatch(key="PROJ-1", user=ALICE, source=event)


def test_a_jira_webhook_posted_to_a_gitlab_trigger_is_read_from_its_file(tmp_path: Path) -> None:
    body = tmp_path / "trigger-payload"
    body.write_text((PAYLOADS / "jira-issue-updated.json").read_text())
    environ = {"CI_PIPELINE_SOURCE": "trigger", "TRIGGER_PAYLOAD": str(body)}
    assert read_dispatch(environ) == Dispatch(key="PROJ-1", user=ALICE, source="webhook")


def test_a_data_center_webhook_names_its_user_by_username() -> None:
    raw = (PAYLOADS / "jira-issue-created-datacenter.json").read_text()
    found = read_dispatch({"CI_PIPELINE_SOURCE": "trigger", "TRIGGER_PAYLOAD": raw})
    assert found == Dispatch(key="PROJ-1", user="alice", source="webhook")


def test_the_variables_win_over_a_payload(tmp_path: Path) -> None:
    environ = {
        **_actions("repository_dispatch", _payload("repository-dispatch.json"), tmp_path),
        "CIOPT_JIRA_ISSUE": " ops-7 ",
        "CIOPT_JIRA_USER": "bob",
    }
    assert read_dispatch(environ) == Dispatch(key="OPS-7", user="bob", source="repository_dispatch")
    alone = read_dispatch({"CI_PIPELINE_SOURCE": "api", "CIOPT_JIRA_ISSUE": "PROJ-3"})
    assert alone == Dispatch(key="PROJ-3", user=None, source="variables")


@pytest.mark.parametrize(
    ("environ", "reason"),
    [
        ({"CI_PIPELINE_SOURCE": "web"}, "empty_dispatch"),
        (
            {"TRIGGER_PAYLOAD": (PAYLOADS / "jira-comment-created.json").read_text()},
            "unsupported_event",
        ),
    ],
)
def test_a_job_that_names_no_issue_is_no_request(environ: dict[str, str], reason: str) -> None:
    found = read_dispatch(environ)
    assert isinstance(found, Ignored) and found.reason == reason


def test_an_actions_event_other_than_a_dispatch_is_no_request(tmp_path: Path) -> None:
    found = read_dispatch(_actions("issues", {"action": "labeled"}, tmp_path))
    assert isinstance(found, Ignored) and found.reason == "unsupported_event"
    assert "repository_dispatch" in found.message


@pytest.mark.parametrize(
    ("environ", "said"),
    [
        ({"CIOPT_JIRA_ISSUE": "PROJ 12"}, "is not a Jira issue key"),
        ({"CIOPT_JIRA_ISSUE": "12"}, "is not a Jira issue key"),
        ({"CIOPT_JIRA_ISSUE": "PROJ-1", "CIOPT_JIRA_USER": "alice smith"}, "no Jira accountId"),
        ({"CIOPT_JIRA_ISSUE": "PROJ-1", "CIOPT_JIRA_USER": "a" * 200}, "no Jira accountId"),
    ],
)
def test_a_key_or_user_that_cannot_be_one_is_a_clear_error(
    environ: dict[str, str], said: str
) -> None:
    with pytest.raises(ConfigError, match=said):
        read_dispatch(environ)
