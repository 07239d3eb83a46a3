"""What started a GitLab pipeline, read as asks: pure functions over CI variables and webhooks.

``CI_PIPELINE_SOURCE`` says how the job started:

- ``trigger``: a project webhook (issue events, comment events) pointed at the pipeline trigger
  URL. GitLab hands the webhook body over as ``TRIGGER_PAYLOAD``, a *file* variable (its value is
  the path of a file holding the JSON); inline JSON is accepted too.
- ``api`` / ``web``: a person ran the pipeline with ``CIOPT_ISSUE`` (an issue iid) or
  ``CIOPT_MR`` (a merge request iid) and/or ``CIOPT_REQUEST`` (the request text).
- ``schedule``: the backend polls the API instead (see ``GitLabForge.asks``).

Nothing here calls the API: a pipeline that names an issue or a merge request yields a
``Lookup`` that the backend completes. Phrase, marker and bot checks are the generic screen's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ciopt.errors import ConfigError
from ciopt.forges.base import Ask, Comment, Ignored, Person, Rules, Thread

__all__ = ["Found", "Lookup", "from_hook", "from_variables", "read_event", "read_payload"]

CLOSED = ("closed", "merged", "locked")


class Lookup(BaseModel):
    """A dispatch that names a thread: the backend fetches it, then asks with ``text`` (None:
    the issue's description)."""

    model_config = ConfigDict(frozen=True)

    kind: Literal["issue", "pull"]
    number: int
    author: Person
    text: str | None


Found = Ask | Ignored | Lookup


def read_event(environ: Mapping[str, str], rules: Rules, project: str | int) -> list[Found]:
    """The asks of the pipeline in ``environ`` (not a schedule), for ``project``."""
    source = environ.get("CI_PIPELINE_SOURCE", "")
    if source == "trigger":
        return [from_hook(read_payload(environ), rules, project)]
    if source in ("api", "web"):
        return [from_variables(environ)]
    return [
        Ignored(
            reason="unsupported_event",
            message=f"ciopt does not answer {source or 'unknown'} pipelines; start it from a "
            "webhook (trigger), a schedule, or Run pipeline with CIOPT_ISSUE / CIOPT_REQUEST",
        )
    ]


def read_payload(environ: Mapping[str, str]) -> dict[str, Any]:
    """The webhook body of a ``trigger`` pipeline: ``TRIGGER_PAYLOAD``'s file, or inline JSON."""
    raw = environ.get("TRIGGER_PAYLOAD", "").strip()
    if not raw:
        raise ConfigError(
            "TRIGGER_PAYLOAD is not set in this trigger pipeline; point the project webhook at "
            "the pipeline trigger URL (Settings > CI/CD > Pipeline trigger tokens)"
        )
    try:
        text = raw if raw.startswith(("{", "[")) else Path(raw).read_text(encoding="utf-8")
        payload = json.loads(text)
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot read the webhook body in TRIGGER_PAYLOAD ({exc}); it must be the JSON "
            "GitLab sends, or the path of a file holding it"
        ) from exc
    if not isinstance(payload, dict):
        raise ConfigError("TRIGGER_PAYLOAD holds JSON that is not a webhook body (an object)")
    return payload


def from_hook(payload: Mapping[str, Any], rules: Rules, project: str | int) -> Ask | Ignored:
    """An issue or comment webhook as an ask, or why it is not one."""
    if not _for_project(payload.get("project") or {}, project):
        return Ignored(reason="other_project", message=f"the webhook is not for project {project}")
    kind = payload.get("object_kind")
    if kind == "issue":
        return _issue_hook(payload, rules.label)
    if kind == "note":
        return _note_hook(payload)
    return Ignored(
        reason="unsupported_event",
        message=f"ciopt does not answer {kind or 'unknown'} webhooks (only issue and comment)",
    )


def from_variables(environ: Mapping[str, str]) -> Ask | Ignored | Lookup:
    """An ``api`` / ``web`` pipeline: ``CIOPT_ISSUE`` or ``CIOPT_MR``, and/or ``CIOPT_REQUEST``."""
    issue, mr = _iid(environ, "CIOPT_ISSUE"), _iid(environ, "CIOPT_MR")
    text = environ.get("CIOPT_REQUEST", "").strip() or None
    if issue is not None and mr is not None:
        raise ConfigError("set CIOPT_ISSUE or CIOPT_MR, not both: a run answers one thread")
    if issue is None and mr is None and text is None:
        return Ignored(
            reason="empty_request",
            message="the pipeline names no request; set CIOPT_ISSUE, CIOPT_MR or CIOPT_REQUEST",
        )
    login = environ.get("GITLAB_USER_LOGIN", "").strip()
    if not login:
        raise ConfigError("GITLAB_USER_LOGIN is not set: run ciopt in a GitLab CI job")
    user_id = environ.get("GITLAB_USER_ID", "")
    author = Person(login=login, id=int(user_id) if user_id.isdigit() else None)
    if issue is not None:
        return Lookup(kind="issue", number=issue, author=author, text=text)
    if mr is not None:
        return Lookup(kind="pull", number=mr, author=author, text=text or "")
    return Ask(thread=None, author=author, text=text or "", via="dispatch")


# -- webhooks ----------------------------------------------------------------------------------


def _issue_hook(payload: Mapping[str, Any], label: str) -> Ask | Ignored:
    issue = payload.get("object_attributes") or {}
    changes = (payload.get("changes") or {}).get("labels")
    if not changes:
        return Ignored(reason="no_label_change", message="the issue event changed no label")
    before, after = _titles(changes.get("previous")), _titles(changes.get("current"))
    if label not in after or label in before:
        return Ignored(reason="wrong_label", message=f"the label {label!r} was not added")
    if issue.get("state") in CLOSED:
        return Ignored(reason="closed", message=f"issue #{issue.get('iid')} is closed")
    thread = Thread(
        number=int(issue["iid"]),
        kind="issue",
        title=issue.get("title") or "",
        body=issue.get("description") or "",
        url=issue.get("url") or "",
        labels=tuple(after),
    )
    return Ask(thread=thread, author=_person(payload), text=thread.body, via="label")


def _note_hook(payload: Mapping[str, Any]) -> Ask | Ignored:
    note = payload.get("object_attributes") or {}
    if note.get("action", "create") != "create":
        return Ignored(reason="edited", message="the comment was edited, not written")
    if note.get("system"):
        return Ignored(reason="system_note", message="the note is GitLab's own (a system note)")
    noteable = note.get("noteable_type")
    if noteable == "Issue":
        thread, state = _issue_thread(payload), (payload.get("issue") or {}).get("state")
    elif noteable == "MergeRequest":
        thread, state = _mr_thread(payload), (payload.get("merge_request") or {}).get("state")
    else:
        return Ignored(
            reason="unsupported_event",
            message=f"ciopt does not answer comments on a {noteable or 'unknown thing'}",
        )
    if state in CLOSED:
        return Ignored(reason="closed", message=f"{thread.key} is {state}")
    comment = Comment(
        id=int(note["id"]),
        body=note.get("note") or "",
        author=_person(payload),
        url=note.get("url") or "",
        created_at=_when(note.get("created_at")),
    )
    return Ask(
        thread=thread, author=comment.author, text=comment.body, via="comment", comment=comment
    )


def _issue_thread(payload: Mapping[str, Any]) -> Thread:
    issue = payload.get("issue") or {}
    iid = int(issue["iid"])
    return Thread(
        number=iid,
        kind="issue",
        title=issue.get("title") or "",
        body=issue.get("description") or "",
        url=_web_url(payload, "issues", iid),
        labels=tuple(_titles(issue.get("labels"))),
    )


def _mr_thread(payload: Mapping[str, Any]) -> Thread:
    mr = payload.get("merge_request") or {}
    iid = int(mr["iid"])
    return Thread(
        number=iid,
        kind="pull",
        title=mr.get("title") or "",
        body=mr.get("description") or "",
        url=mr.get("url") or _web_url(payload, "merge_requests", iid),
        labels=tuple(_titles(mr.get("labels"))),
        head_ref=mr.get("source_branch"),
        head_sha=(mr.get("last_commit") or {}).get("id"),
        base_ref=mr.get("target_branch"),
        fork=mr.get("source_project_id") != mr.get("target_project_id"),
    )


# -- small readers -----------------------------------------------------------------------------


def _for_project(project: Mapping[str, Any], configured: str | int) -> bool:
    wanted = str(configured)
    if wanted.isdigit():
        return "id" not in project or str(project["id"]) == wanted
    path = project.get("path_with_namespace")
    return path is None or str(path).lower() == wanted.lower()


def _person(payload: Mapping[str, Any]) -> Person:
    user = payload.get("user") or {}
    if not user.get("username"):
        raise ConfigError("the webhook body names no user; is TRIGGER_PAYLOAD a GitLab webhook?")
    return Person(login=user["username"], id=user.get("id"))


def _titles(labels: Any) -> list[str]:
    """Label names: webhooks send label objects (``title``); accept plain names too."""
    return [lb["title"] if isinstance(lb, dict) else str(lb) for lb in labels or ()]


def _web_url(payload: Mapping[str, Any], what: str, iid: int) -> str:
    web = (payload.get("project") or {}).get("web_url")
    if web:
        return f"{web}/-/{what}/{iid}"
    return str((payload.get("object_attributes") or {}).get("url") or "").split("#")[0]


def _iid(environ: Mapping[str, str], name: str) -> int | None:
    raw = environ.get(name, "").strip().lstrip("#!")
    if not raw:
        return None
    if not raw.isdigit():
        raise ConfigError(f"{name}={environ[name]!r} is not a number; give the iid, e.g. 12")
    return int(raw)


def _when(text: Any) -> datetime | None:
    """GitLab webhook times: ``2015-05-17 18:08:09 UTC`` or ISO 8601."""
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace(" UTC", "+00:00").replace("Z", "+00:00"))
    except ValueError:
        return None
