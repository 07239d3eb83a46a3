"""GitHub Actions events read as asks: pure functions over the event name and its JSON payload.

``read_event(name, payload, rules=..., repository=...)`` answers, for the event that started the
job, one of:

- ``Ask``     complete from the payload alone (an issue labeled, a comment on an issue);
- ``Lookup``  an ask whose thread must first be read through the API (a comment on a pull
              request: the payload lacks its branches; a ``workflow_dispatch`` naming an issue);
              the backend reads the thread and calls ``Lookup.complete(thread)``;
- ``Poll``    the event asks for a poll (``schedule``): the backend searches open requests;
- ``Ignored`` a structural reason only this module can see (another repository, an action or
              event ciopt does not handle, a label other than ``rules.label``, an edited comment).

The converters (``person``, ``comment``, ``issue_thread``, ``pull_thread``) read the JSON
shapes that webhook payloads and the REST API share, so the backend reuses them on the API's
``raw_data``. Comments are not screened here (phrase, marker, bots): ``forges.screen`` does it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from ciopt.errors import ConfigError
from ciopt.forges.base import Ask, Comment, Ignored, Person, Rules, Thread

__all__ = [
    "SCHEDULE_POLL",
    "Lookup",
    "Poll",
    "comment",
    "issue_thread",
    "person",
    "pull_thread",
    "read_event",
]

SCHEDULE_POLL = 5  # requests a scheduled run answers when no --poll count was given

Json = Mapping[str, Any]
Via = Literal["label", "comment", "dispatch", "poll"]


class Lookup(BaseModel):
    """An ask whose thread is read through the API before it is complete.

    ``kind="issue"`` means "the issue, or the pull request if it turns out to be one";
    ``text=None`` means "the thread's body".
    """

    model_config = ConfigDict(frozen=True)

    number: int
    kind: Literal["issue", "pull"]
    author: Person
    via: Via
    text: str | None = None
    comment: Comment | None = None

    def complete(self, thread: Thread) -> Ask:
        text = thread.body if self.text is None else self.text
        return Ask(thread=thread, author=self.author, text=text, via=self.via, comment=self.comment)


class Poll(BaseModel):
    """Search for up to ``count`` open requests instead of reading one event."""

    model_config = ConfigDict(frozen=True)

    count: int


Event = Ask | Ignored | Lookup | Poll


def read_event(name: str, payload: Json, *, rules: Rules, repository: str) -> list[Event]:
    """What the Actions event ``name`` with ``payload`` asks of ciopt in ``repository``."""
    if name == "schedule":
        return [Poll(count=SCHEDULE_POLL)]
    reader = _READERS.get(name)
    if reader is None:
        return [
            Ignored(
                reason="unsupported_event",
                message=f"ciopt does not answer {name or 'unnamed'} events; use issues, "
                "issue_comment, workflow_dispatch or schedule",
            )
        ]
    full_name = str((payload.get("repository") or {}).get("full_name") or "")
    if full_name and full_name.lower() != repository.lower():
        return [
            Ignored(
                reason="other_repository",
                message=f"the event is for {full_name}, not {repository}",
            )
        ]
    return [reader(payload, rules)]


def _issues(payload: Json, rules: Rules) -> Event:
    action = payload.get("action")
    if action != "labeled":
        return Ignored(
            reason="unsupported_action",
            message=f"issues events answer only the labeled action, not {action}",
        )
    label = str((payload.get("label") or {}).get("name") or "")
    if label.lower() != rules.label.lower():
        return Ignored(
            reason="wrong_label",
            message=f"the label added is {label!r}, not {rules.label!r}",
        )
    thread = issue_thread(payload["issue"])
    return Ask(thread=thread, author=person(payload["sender"]), text=thread.body, via="label")


def _issue_comment(payload: Json, rules: Rules) -> Event:
    action = payload.get("action")
    if action != "created":
        return Ignored(reason="edited", message=f"the comment was {action}; only new comments ask")
    issue, said = payload["issue"], comment(payload["comment"])
    if issue.get("pull_request"):
        return Lookup(
            number=int(issue["number"]),
            kind="pull",
            author=said.author,
            via="comment",
            text=said.body,
            comment=said,
        )
    return Ask(
        thread=issue_thread(issue),
        author=said.author,
        text=said.body,
        via="comment",
        comment=said,
    )


def _workflow_dispatch(payload: Json, rules: Rules) -> Event:
    inputs = payload.get("inputs") or {}
    number = _issue_number(inputs.get("issue"))
    request = str(inputs.get("request") or "").strip()
    author = person(payload["sender"])
    if number is not None:
        return Lookup(
            number=number, kind="issue", author=author, via="dispatch", text=request or None
        )
    if request:
        return Ask(thread=None, author=author, text=request, via="dispatch")
    return Ignored(
        reason="empty_dispatch",
        message="the workflow_dispatch run gave neither an issue number nor a request",
    )


def _issue_number(value: object) -> int | None:
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip().removeprefix("#")
    if not text:
        return None
    if not text.isdigit() or int(text) == 0:
        raise ConfigError(
            f"workflow_dispatch input issue={value!r} is not an issue number; give a number "
            "such as 12, or leave it empty and give the request text"
        )
    return int(text)


_READERS = {
    "issues": _issues,
    "issue_comment": _issue_comment,
    "workflow_dispatch": _workflow_dispatch,
}


# -- JSON shared by webhook payloads and the REST API -------------------------------------------


def person(user: Json) -> Person:
    """A user object (``login``, ``id``, ``type``: ``"User"``, ``"Bot"``, ``"Organization"``)."""
    return Person(login=user["login"], id=user.get("id"), bot=user.get("type") == "Bot")


def comment(data: Json) -> Comment:
    return Comment(
        id=int(data["id"]),
        body=data.get("body") or "",
        author=person(data["user"]),
        url=data.get("html_url") or "",
        created_at=data.get("created_at"),
    )


def issue_thread(issue: Json) -> Thread:
    """An issue as a thread (a pull request's issue object too, without its branches)."""
    user = issue.get("user")
    return Thread(
        number=int(issue["number"]),
        kind="pull" if issue.get("pull_request") else "issue",
        title=issue.get("title") or "",
        body=issue.get("body") or "",
        url=issue.get("html_url") or "",
        labels=tuple(label["name"] for label in issue.get("labels") or ()),
        author=person(user) if user else None,
    )


def pull_thread(pull: Json) -> Thread:
    """A pull request object with its branches; ``fork`` when its head lives elsewhere."""
    head, base = pull.get("head") or {}, pull.get("base") or {}
    head_repo, base_repo = head.get("repo"), base.get("repo") or {}
    fork = head_repo is None or head_repo.get("full_name") != base_repo.get("full_name")
    return issue_thread({**pull, "pull_request": True}).model_copy(
        update={
            "head_ref": head.get("ref"),
            "head_sha": head.get("sha"),
            "base_ref": base.get("ref"),
            "fork": fork,
        }
    )
