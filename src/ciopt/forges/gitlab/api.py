"""The GitLab forge: python-gitlab against gitlab.com or a self-managed instance.

``GitLabForge.from_environ`` reads GitLab CI's variables: the API from ``CI_API_V4_URL``, the
project from ``CI_PROJECT_ID``, the token from ``GITLAB_TOKEN`` (a project access token;
``CI_JOB_TOKEN`` cannot write notes or merge requests). python-gitlab retries 429 (honouring
``Retry-After`` and ``RateLimit-Reset``) and 5xx with backoff, at most ``forge_retries`` times,
and every call has ``forge_timeout``. Its errors become ``ConfigError`` here and never escape.
Reading the CI event is ``events``'s job; this module completes it through the API.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import islice
from typing import Any, Literal

import gitlab
import requests
from gitlab.exceptions import GitlabAuthenticationError, GitlabError
from gitlab.v4.objects import ProjectIssue, ProjectMergeRequest

from ciopt import __version__
from ciopt.config import Settings
from ciopt.errors import ConfigError
from ciopt.forges.base import (
    MARKER,
    Access,
    Ask,
    Comment,
    Ignored,
    Links,
    Person,
    Publication,
    Rules,
    Thread,
)
from ciopt.forges.gitlab.events import Lookup, read_event
from ciopt.forges.remote import Remote
from ciopt.git import Git
from ciopt.request import mentions

__all__ = ["BoundedGitlab", "GitLabForge"]

DEVELOPER = 30
ROLES = {
    0: "No access",
    5: "Minimal access",
    10: "Guest",
    15: "Planner",
    20: "Reporter",
    30: "Developer",
    40: "Maintainer",
    50: "Owner",
    60: "Admin",
}
SCHEDULE_POLL = 5  # requests answered by one scheduled pipeline
HOW_TO_AUTHENTICATE = (
    "create a project access token (Settings > Access tokens: role Developer or above, scopes "
    "api and write_repository) and store it as a masked CI/CD variable GITLAB_TOKEN"
)
EPOCH = datetime.fromtimestamp(0, UTC)  # sorts a thing without a time first
GHOST = Person(login="ghost")  # GitLab's stand-in for a deleted account
Kind = Literal["issue", "pull"]


class BoundedGitlab(gitlab.Gitlab):
    """python-gitlab's client with its retries bounded: it retries 429 and transient errors up
    to ``max_retries`` times a call where python-gitlab would default to 10."""

    def __init__(self, url: str, *, token: str, timeout: float, retries: int) -> None:
        super().__init__(
            url,
            private_token=token,
            timeout=timeout,
            retry_transient_errors=True,
            user_agent=f"ciopt/{__version__}",
        )
        self.max_retries = retries

    def http_request(self, verb: str, path: str, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("max_retries", self.max_retries)
        return super().http_request(verb, path, *args, **kwargs)


class GitLabForge:
    name = "gitlab"

    def __init__(
        self, gl: gitlab.Gitlab, project: str | int, *, token: str | None, push_url: str | None
    ) -> None:
        self._gl = gl
        self._ref = project
        self._token = token
        self._push_url = push_url
        self._p = gl.projects.get(project, lazy=True)  # no request: a handle for the routes
        self._project: dict[str, Any] | None = None
        self._me: str | None = None

    @classmethod
    def from_environ(cls, settings: Settings, environ: Mapping[str, str]) -> GitLabForge:
        token = environ.get("CIOPT_GITLAB_TOKEN") or environ.get("GITLAB_TOKEN")
        job_token = environ.get("CI_JOB_TOKEN")
        if job_token and (not token or token == job_token):
            raise ConfigError(
                "CI_JOB_TOKEN cannot create notes or merge requests; " + HOW_TO_AUTHENTICATE,
                reason="forge_auth",
            )
        if not token:
            raise ConfigError("no GitLab token is set; " + HOW_TO_AUTHENTICATE, reason="forge_auth")
        api = environ.get("CI_API_V4_URL", "").rstrip("/")
        url = api.removesuffix("/api/v4") or environ.get("CI_SERVER_URL") or "https://gitlab.com"
        project: str | int | None = environ.get("CI_PROJECT_ID") or environ.get("CI_PROJECT_PATH")
        if not project:
            raise ConfigError("set CI_PROJECT_ID or CI_PROJECT_PATH: run ciopt in a GitLab CI job")
        if isinstance(project, str) and project.isdigit():
            project = int(project)
        gl = BoundedGitlab(
            url, token=token, timeout=settings.forge_timeout, retries=settings.forge_retries
        )
        return cls(gl, project, token=token, push_url=settings.push_url)

    # -- requests ------------------------------------------------------------------------------

    def asks(
        self, environ: Mapping[str, str], rules: Rules, poll: int | None
    ) -> list[Ask | Ignored]:
        if poll is None and environ.get("CI_PIPELINE_SOURCE") == "schedule":
            poll = SCHEDULE_POLL
        if poll is not None:
            return list(self._poll(rules, poll))
        found = read_event(environ, rules, self._ref)
        return [self._complete(f) if isinstance(f, Lookup) else f for f in found]

    def _complete(self, lookup: Lookup) -> Ask:
        thread = self.thread(lookup.number, lookup.kind)
        text = thread.body if lookup.text is None else lookup.text
        return Ask(thread=thread, author=lookup.author, text=text, via="dispatch")

    def _poll(self, rules: Rules, count: int) -> list[Ask]:
        """Labeled issues and unanswered merge request notes, oldest first, at most ``count``."""
        if count <= 0:
            return []
        found: list[tuple[datetime, Ask]] = []
        with self._api(f"listing open issues labeled {rules.label!r}"):
            issues = self._p.issues.list(
                state="opened",
                labels=[rules.label],
                order_by="created_at",
                sort="asc",
                per_page=min(count, 100),
                iterator=True,
            )
            for issue in islice(issues, count):
                data = issue.attributes
                thread = _thread(data, "issue")
                author = self._labeler(data["iid"], rules.label) or thread.author or GHOST
                ask = Ask(thread=thread, author=author, text=thread.body, via="poll")
                found.append((_when(data.get("created_at")) or EPOCH, ask))
        found.extend(self._pending_notes(rules, count))
        found.sort(key=lambda pair: pair[0])
        return [ask for _, ask in found[:count]]

    def _labeler(self, iid: int, label: str) -> Person | None:
        """Who added ``label`` to the issue last (resource label events)."""
        events = self._p.issues.get(iid, lazy=True).resourcelabelevents.list(get_all=True)
        adds = [
            e.attributes
            for e in events
            if e.attributes.get("action") == "add"
            and (e.attributes.get("label") or {}).get("name") == label
        ]
        adds.sort(key=lambda e: (_when(e.get("created_at")) or EPOCH, e.get("id", 0)))
        return _person(adds[-1].get("user")) if adds else None

    def _pending_notes(self, rules: Rules, count: int) -> Iterator[tuple[datetime, Ask]]:
        """Open merge requests whose latest trigger note ciopt has not answered yet."""
        me = (rules.me or self.whoami()).lower()
        found = 0
        with self._api("listing open merge requests and their notes"):
            mrs = self._p.mergerequests.list(
                state="opened", order_by="created_at", sort="asc", iterator=True
            )
            for mr in mrs:
                thread = _thread(mr.attributes, "pull")
                pending: Comment | None = None
                for comment in self.comments(thread):
                    mine = comment.author.login.lower() == me
                    if MARKER in comment.body:
                        pending = None if mine else pending
                    elif not mine and mentions(comment.body, rules.phrase):
                        pending = comment
                if pending is not None:
                    ask = Ask(
                        thread=thread,
                        author=pending.author,
                        text=pending.body,
                        via="poll",
                        comment=pending,
                    )
                    yield (pending.created_at or EPOCH, ask)
                    found += 1
                    if found >= count:
                        return

    # -- people --------------------------------------------------------------------------------

    def whoami(self) -> str:
        if self._me is None:
            with self._api("reading the token's user (GET /user)"):
                self._gl.auth()
                assert self._gl.user is not None
                self._me = str(self._gl.user.username)
        return self._me

    def access(self, person: Person, thread: Thread | None = None) -> Access:
        with self._api(f"reading @{person.login}'s role in project {self._ref}"):
            user_id = person.id
            if user_id is None:
                users = self._gl.users.list(username=person.login, get_all=True)
                if not users:
                    return Access(allowed=False, role="none")
                user_id = int(users[0].attributes["id"])
            try:
                member = self._p.members_all.get(user_id)
            except GitlabError as exc:
                if exc.response_code == 404:
                    return Access(allowed=False, role="none")
                raise
            level = int(member.attributes.get("access_level") or 0)
        role = f"{ROLES.get(level, 'Custom')} ({level})"
        return Access(allowed=level >= DEVELOPER, role=role)

    # -- threads -------------------------------------------------------------------------------

    def thread(self, number: int, kind: Kind = "issue") -> Thread:
        with self._api(f"reading {_name(kind, number)}"):
            return _thread(self._manager(kind).get(number).attributes, kind)

    def comments(self, thread: Thread) -> list[Comment]:
        with self._api(f"listing the notes of {_name(thread.kind, thread.number)}"):
            notes = self._handle(thread).notes.list(sort="asc", order_by="created_at", get_all=True)
            return [_comment(n.attributes, thread) for n in notes if not n.attributes.get("system")]

    def comment(self, thread: Thread, body: str) -> Comment:
        with self._api(f"writing a note on {_name(thread.kind, thread.number)}"):
            note = self._handle(thread).notes.create({"body": body})
            return _comment(note.attributes, thread)

    def edit_comment(self, thread: Thread, comment_id: int, body: str) -> None:
        with self._api(f"editing note {comment_id} on {_name(thread.kind, thread.number)}"):
            self._handle(thread).notes.update(comment_id, {"body": body})

    def relabel(
        self, thread: Thread, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> tuple[str, ...]:
        change = {"add_labels": ",".join(add), "remove_labels": ",".join(remove)}
        change = {key: value for key, value in change.items() if value}
        if not change:
            return self.thread(thread.number, thread.kind).labels
        with self._api(f"relabeling {_name(thread.kind, thread.number)}"):
            data = self._manager(thread.kind).update(thread.number, change)
        return tuple(data.get("labels") or ())

    # -- code ----------------------------------------------------------------------------------

    def link(self, thread: Thread, url: str, title: str) -> None:
        return None  # the progress comment links the merge request

    def fetch(self, repo: Git, thread: Thread) -> tuple[str, str]:
        if thread.kind != "pull":
            raise ConfigError(f"{thread.key} is an issue; only merge requests have code to fetch")
        base_ref = thread.base_ref or self.thread(thread.number, "pull").base_ref
        refs = [f"refs/merge-requests/{thread.number}/head", f"refs/heads/{base_ref}"]
        head, base = self.remote().fetch_all(repo, refs)
        return head, base

    def links(self, environ: Mapping[str, str]) -> Links:
        job = environ.get("CI_JOB_URL") or None
        return Links(job=job, artifacts=f"{job}/artifacts/browse" if job else None)

    def publish(
        self,
        repo: Git,
        *,
        branch: str,
        head: str,
        title: str,
        body: str,
        base: str | None = None,
    ) -> Publication:
        self.remote().push(repo, head, branch)
        with self._api(f"opening the merge request for {branch}"):
            mr = self._open_mr(branch)
            if mr is None:
                try:
                    mr = self._p.mergerequests.create(
                        {
                            "source_branch": branch,
                            "target_branch": base or self._project_data()["default_branch"],
                            "title": f"Draft: {title}",
                            "description": body,
                            "remove_source_branch": True,
                        }
                    ).attributes
                    return _publication(branch, mr, updated=False)
                except GitlabError as exc:  # 409: another job opened it a moment ago
                    mr = self._open_mr(branch) if exc.response_code == 409 else None
                    if mr is None:
                        raise
            draft = mr.get("draft", mr.get("work_in_progress"))  # as a reviewer left it
            change = {"title": f"Draft: {title}" if draft else title, "description": body}
            if base:
                change["target_branch"] = base
            return _publication(branch, self._p.mergerequests.update(mr["iid"], change), True)

    def _open_mr(self, branch: str) -> dict[str, Any] | None:
        mrs = self._p.mergerequests.list(state="opened", source_branch=branch, get_all=True)
        return mrs[0].attributes if mrs else None

    def remote(self) -> Remote:
        url = self._push_url or str(self._project_data()["http_url_to_repo"])
        return Remote(url, user="oauth2", token=self._token)

    # -- plumbing ------------------------------------------------------------------------------

    def _project_data(self) -> dict[str, Any]:
        if self._project is None:
            with self._api(f"reading project {self._ref}"):
                self._project = dict(self._gl.projects.get(self._ref).attributes)
        return self._project

    def _manager(self, kind: Kind) -> Any:
        return self._p.issues if kind == "issue" else self._p.mergerequests

    def _handle(self, thread: Thread) -> ProjectIssue | ProjectMergeRequest:
        handle: ProjectIssue | ProjectMergeRequest = self._manager(thread.kind).get(
            thread.number, lazy=True
        )
        return handle

    @contextmanager
    def _api(self, doing: str) -> Iterator[None]:
        """Turn python-gitlab's and requests' errors into one-line ``ConfigError``s."""
        try:
            yield
        except GitlabError as exc:
            raise self._error(exc, doing) from exc
        except requests.RequestException as exc:
            raise ConfigError(
                f"cannot reach GitLab at {self._gl.url} while {doing} ({type(exc).__name__}); "
                "check CI_API_V4_URL and the runner's network",
                reason="forge_unavailable",
            ) from exc

    def _error(self, exc: GitlabError, doing: str) -> ConfigError:
        code, said = exc.response_code, str(exc.error_message)[:200]
        if isinstance(exc, GitlabAuthenticationError) or code == 401:
            return ConfigError(
                f"GitLab rejected the token (401) while {doing}; {HOW_TO_AUTHENTICATE}",
                reason="forge_auth",
            )
        if code == 403:
            return ConfigError(
                f"GitLab refused {doing} (403: {said}); give the token the Developer role or "
                "above and the api scope",
                reason="forge_auth",
            )
        if code == 404:
            return ConfigError(
                f"GitLab found nothing (404) while {doing}; check that it exists, that "
                f"CI_PROJECT_ID names project {self._ref} and that the token belongs to it",
                reason="forge_not_found",
            )
        if code is not None and (code == 429 or code >= 500):
            retries = getattr(self._gl, "max_retries", 10)
            return ConfigError(
                f"GitLab kept failing ({code}) while {doing}, after {retries} retries; "
                "run the pipeline again later",
                reason="forge_unavailable",
            )
        if code is None:  # an answer python-gitlab could not read: not GitLab's API
            return ConfigError(
                f"GitLab's answer could not be read while {doing} ({said}); check that "
                f"CI_API_V4_URL is GitLab's API (now {self._gl.api_url})",
                reason="forge_unavailable",
            )
        return ConfigError(f"GitLab refused {doing} ({code}: {said})", reason="forge_refused")


# -- API objects as ciopt's models -----------------------------------------------------------------


def _name(kind: str, number: int) -> str:
    return f"merge request !{number}" if kind == "pull" else f"issue #{number}"


def _person(user: Any) -> Person | None:
    if not isinstance(user, Mapping) or not user.get("username"):
        return None
    return Person(login=str(user["username"]), id=user.get("id"), bot=bool(user.get("bot")))


def _thread(data: Mapping[str, Any], kind: Kind) -> Thread:
    pull = kind == "pull"
    return Thread(
        number=int(data["iid"]),
        kind=kind,
        title=data.get("title") or "",
        body=data.get("description") or "",
        url=data.get("web_url") or "",
        labels=tuple(data.get("labels") or ()),
        author=_person(data.get("author")),
        head_ref=data.get("source_branch") if pull else None,
        head_sha=data.get("sha") if pull else None,
        base_ref=data.get("target_branch") if pull else None,
        fork=pull and data.get("source_project_id") != data.get("target_project_id"),
    )


def _comment(data: Mapping[str, Any], thread: Thread) -> Comment:
    author = _person(data.get("author")) or GHOST
    return Comment(
        id=int(data["id"]),
        body=data.get("body") or "",
        author=author,
        url=f"{thread.url}#note_{data['id']}" if thread.url else "",
        created_at=_when(data.get("created_at")),
    )


def _publication(branch: str, mr: Mapping[str, Any], updated: bool) -> Publication:
    return Publication(branch=branch, url=mr["web_url"], updated=updated, number=mr["iid"])


def _when(text: Any) -> datetime | None:
    """An API time (ISO 8601, ``Z`` or an offset), or None."""
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
