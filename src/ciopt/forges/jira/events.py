"""What started a Jira-triggered job, read from the CI's variables and payloads: which issue, and
whom the trigger names as the requester. Pure functions: the backend (``api``) reads the issue
and the person through Jira's API.

A Jira automation rule ("Send web request") or a Jira webhook starts the pipeline with the key:

- GitHub ``repository_dispatch``: ``client_payload.issue_key`` and ``client_payload.user`` (an
  accountId, a Data Center username, or a Jira user object), or a Jira webhook body as
  ``client_payload.webhook``;
- GitHub ``workflow_dispatch``: the inputs ``jira_issue`` and ``jira_user``;
- a GitLab pipeline (``trigger``, ``api``, ``web``): the variables below, and a Jira webhook body
  posted to the trigger URL, which GitLab hands over as ``TRIGGER_PAYLOAD``;
- anywhere: the variables ``CIOPT_JIRA_ISSUE`` and ``CIOPT_JIRA_USER``, which win.

A webhook body is Jira's (``webhookEvent`` ``jira:issue_created`` or ``jira:issue_updated``, the
``issue`` with its ``key``, the ``user`` who acted); an automation rule's "Issue data (Jira
format)" body, the issue alone, is read too. Who the trigger names is a claim of whoever holds the
trigger's credential; the backend checks it against Jira (the person must exist, and be allowed).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from ciopt.errors import ConfigError
from ciopt.forges.base import Ignored
from ciopt.forges.gitlab.events import read_payload

__all__ = ["ISSUE_VARIABLE", "USER_VARIABLE", "Dispatch", "issue_key", "read_dispatch"]

ISSUE_VARIABLE = "CIOPT_JIRA_ISSUE"
USER_VARIABLE = "CIOPT_JIRA_USER"
KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*-[1-9][0-9]{0,9}")
WEBHOOK_EVENTS = ("jira:issue_created", "jira:issue_updated")
GITHUB_EVENTS = ("repository_dispatch", "workflow_dispatch")
USER_LIMIT = 128  # characters of an accountId or username

Json = Mapping[str, Any]


class Dispatch(BaseModel):
    """The issue a job is asked to answer, and the requester its trigger names (if any)."""

    model_config = ConfigDict(frozen=True)

    key: str  # PROJ-12
    user: str | None = None  # an accountId (Cloud) or a username (Data Center)
    source: str  # repository_dispatch, workflow_dispatch, webhook, variables


def read_dispatch(environ: Mapping[str, str]) -> Dispatch | Ignored:
    """The dispatch of the job in ``environ``, or why it is none."""
    key, user, source = None, None, ""
    webhook: Json | None = None
    name = environ.get("GITHUB_EVENT_NAME", "")
    if name and environ.get("GITHUB_EVENT_PATH"):
        if name not in GITHUB_EVENTS:
            return Ignored(
                reason="unsupported_event",
                message=f"the jira forge does not answer {name} events; start the workflow "
                "with repository_dispatch or workflow_dispatch, naming the issue",
            )
        payload = _github_event(name, environ["GITHUB_EVENT_PATH"])
        if name == "repository_dispatch":
            sent = payload.get("client_payload") or {}
            key, user = sent.get("issue_key"), _login(sent.get("user"))
            webhook = sent.get("webhook") if isinstance(sent.get("webhook"), Mapping) else None
        else:
            inputs = payload.get("inputs") or {}
            key, user = inputs.get("jira_issue"), _login(inputs.get("jira_user"))
        source = name
    elif environ.get("TRIGGER_PAYLOAD", "").strip():
        webhook, source = read_payload(environ), "webhook"
    if webhook is not None:
        event = webhook.get("webhookEvent")
        if event is not None and event not in WEBHOOK_EVENTS:
            return Ignored(
                reason="unsupported_event",
                message=f"the Jira webhook is {event}; ciopt answers "
                + " and ".join(WEBHOOK_EVENTS),
            )
        key = key or (webhook.get("issue") or {}).get("key") or webhook.get("key")
        user = user or _login(webhook.get("user"))
    if environ.get(ISSUE_VARIABLE, "").strip():
        key, source = environ[ISSUE_VARIABLE], source or "variables"
    if environ.get(USER_VARIABLE, "").strip():
        user = _login(environ[USER_VARIABLE])
    if not key or not str(key).strip():
        return Ignored(
            reason="empty_dispatch",
            message=f"the job names no Jira issue; send its key ({ISSUE_VARIABLE}, or "
            "client_payload.issue_key in a repository_dispatch)",
        )
    return Dispatch(key=issue_key(str(key)), user=user, source=source or "variables")


def issue_key(value: str) -> str:
    """``value`` as a Jira issue key (``PROJ-12``), or a ``ConfigError``."""
    text = value.strip()
    if not KEY.fullmatch(text):
        raise ConfigError(
            f"{text[:40]!r} is not a Jira issue key; send one such as PROJ-12 "
            "(the automation rule's {{issue.key}})"
        )
    return text.upper()


def _login(value: Any) -> str | None:
    """A requester as a trigger names one: an accountId or a username, or a Jira user object."""
    if isinstance(value, Mapping):
        value = value.get("accountId") or value.get("name") or value.get("key")
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    if not text:
        return None
    if len(text) > USER_LIMIT or any(ch.isspace() or not ch.isprintable() for ch in text):
        raise ConfigError(
            f"the trigger names the requester {text[:40]!r}, which is no Jira accountId or "
            "username; send {{initiator.accountId}} (Cloud) or {{initiator.name}} (Data Center)"
        )
    return text


def _github_event(name: str, path: str) -> Json:
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot read the {name} event payload at {path} ({exc}); run in a GitHub Actions "
            "job, whose runner writes it"
        ) from exc
    if not isinstance(payload, dict):
        raise ConfigError(f"the {name} event payload at {path} is not a JSON object")
    return payload
