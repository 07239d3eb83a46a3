"""The Jira forge: requests from Jira issues, code published on a code forge (GitHub or GitLab).

``JiraForge`` is a ``Forge`` made of two: the Jira side, through the ``jira`` library (Jira Cloud
and Data Center, REST API v2), gives the request (the issue's description), the requester and
whether they may ask (a Jira group or project role), the progress comment and the issue's labels
and workflow status; the code forge it wraps, opened by name from the registry, publishes (the
branch, the draft pull/merge request, the CI job's links), and the pull request is linked from
the issue (a remote link, one per pull request: its ``globalId``).

The requester is whom the trigger names (the automation rule's initiator, the webhook's user);
else whoever last added the trigger label, by the issue's history; else the issue's reporter.

Credentials come from the variables ``JiraSettings`` names: Cloud an account's email and API
token (basic auth), Data Center a personal access token (bearer). Every call has the settings'
timeout, and 429 and 5xx answers are retried with backoff (``Retry-After`` honoured); what still
fails leaves this module as a ``CioptError`` (a ``ConfigError`` when the user can fix it).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Literal
from urllib.parse import quote

from jira import JIRAError
from jira.resources import Comment as JiraComment

from ciopt.config import JiraSettings, Settings
from ciopt.errors import ConfigError
from ciopt.forges.base import (
    Access,
    Ask,
    Comment,
    Forge,
    Ignored,
    Links,
    Person,
    Publication,
    Rules,
    Thread,
)
from ciopt.forges.jira.client import JiraClient, auth, calling
from ciopt.forges.jira.events import Dispatch, read_dispatch
from ciopt.forges.jira.markup import from_wiki, request_markdown, to_wiki
from ciopt.forges.remote import Remote
from ciopt.git import Git
from ciopt.templating import code

__all__ = ["JiraForge", "code_forge"]

STATES = ("running", "done", "failed")
GHOST = Person(login="ghost")


def code_forge(settings: Settings, environ: Mapping[str, str]) -> str:
    """The forge the code is published on: the setting, or the CI this job runs in."""
    if settings.jira.forge != "auto":
        return settings.jira.forge
    if environ.get("GITHUB_ACTIONS") == "true":
        return "github"
    if environ.get("GITLAB_CI") or environ.get("CI_API_V4_URL"):
        return "gitlab"
    raise ConfigError(
        "the jira forge publishes on GitHub or GitLab, and this is neither's CI; set "
        "jira.forge = github or gitlab (CIOPT_JIRA__FORGE)"
    )


class JiraForge:
    """Jira issues as requests, and the code forge ``code`` for the code."""

    name = "jira"

    def __init__(
        self,
        client: JiraClient,
        *,
        code: Forge,
        settings: JiraSettings,
        label: str,
    ) -> None:
        self._jira = client
        self.code = code
        self.settings = settings
        self.label = label  # the trigger label; its state labels are label:running, ...
        self.server = client.server_url.rstrip("/")
        self._me: str | None = None
        self._users: dict[str, dict[str, Any]] = {}  # login -> the user, groups expanded
        self._mentions: dict[str, str] = {}  # login -> how Jira mentions them
        self._projects: dict[int, str] = {}  # issue id -> its project's key
        self._comments: dict[int, JiraComment] = {}  # what comment() and comments() read

    @classmethod
    def from_environ(
        cls, settings: Settings, environ: Mapping[str, str], *, code: Forge
    ) -> JiraForge:
        jira = settings.jira
        if not jira.groups and not jira.project_roles:
            raise ConfigError(
                "the jira forge lets nobody start runs: name who may in jira.groups or "
                'jira.project_roles (e.g. [tool.ciopt.jira] groups = ["ciopt-users"])'
            )
        url = (jira.url or environ.get(jira.url_variable, "")).strip().rstrip("/")
        if not url.startswith(("https://", "http://")):
            raise ConfigError(
                f"no Jira site: set {jira.url_variable} or jira.url to its address, "
                "e.g. https://example.atlassian.net"
            )
        with calling(url, "connect (GET /rest/api/2/serverInfo)"):
            client = JiraClient(url, settings=settings, **auth(jira, environ))
        return cls(client, code=code, settings=jira, label=settings.label)

    # -- requests ------------------------------------------------------------------------------

    def asks(
        self, environ: Mapping[str, str], rules: Rules, poll: int | None
    ) -> list[Ask | Ignored]:
        if poll is not None:
            raise ConfigError(
                "the jira forge answers the issue its trigger names and polls nothing; start "
                "the pipeline from a Jira automation rule (see the README's Jira section)"
            )
        found = read_dispatch(environ)
        if isinstance(found, Ignored):
            return [found]
        issue = self._issue(found.key, "summary,description,labels,reporter,project,status")
        thread = self._thread(issue)
        project = issue["fields"]["project"]["key"]
        if self.settings.projects and project.upper() not in map(str.upper, self.settings.projects):
            return [
                Ignored(
                    reason="other_project",
                    message=f"{found.key} is in project {project}, not in "
                    f"{', '.join(self.settings.projects)}",
                )
            ]
        author = self._requester(found, issue, rules)
        return [Ask(thread=thread, author=author, text=thread.body, via="dispatch")]

    def _requester(self, found: Dispatch, issue: Mapping[str, Any], rules: Rules) -> Person:
        if found.user:
            user = self._user(found.user)
            if user is None:
                raise ConfigError(
                    f"the trigger names {found.user!r} as the requester, and Jira knows no "
                    "such user; send {{initiator.accountId}} (Cloud) or {{initiator.name}}"
                )
            return self._person(user)
        labeler = self._labeler(issue["key"], rules.label)
        if labeler is not None:
            return labeler
        reporter = issue["fields"].get("reporter")
        if reporter:
            return self._person(reporter)
        raise ConfigError(
            f"cannot tell who asked for {issue['key']}: the trigger names nobody, nobody added "
            f"the label {rules.label}, and it has no reporter; send the initiator's accountId"
        )

    def _labeler(self, key: str, label: str) -> Person | None:
        """Who added ``label`` to the issue last, by its history."""
        with self._calling(f"read the history of {key}", "Browse projects"):
            history = self._jira.issue(key, fields="labels", expand="changelog").raw
        found = None
        for change in sorted(
            (history.get("changelog") or {}).get("histories") or (),
            key=lambda h: (str(h.get("created") or ""), int(h.get("id") or 0)),
        ):
            for item in change.get("items") or ():
                if str(item.get("field")).lower() != "labels":
                    continue
                before = str(item.get("fromString") or "").split()
                after = str(item.get("toString") or "").split()
                if label in after and label not in before:
                    found = change.get("author") or found
        return self._person(found) if found else None

    # -- people --------------------------------------------------------------------------------

    def whoami(self) -> str:
        if self._me is None:
            with self._calling("read the token's own user (GET /myself)"):
                me = self._jira.myself()
            self._me = str(me.get("accountId") or me.get("name") or "")
        return self._me

    def access(self, person: Person, thread: Thread | None = None) -> Access:
        needed = self._needed(thread)
        user = self._user(person.login)
        if user is None:
            return Access(allowed=False, role="none", needed=needed)
        groups = {
            str(g.get("name", "")).lower() for g in (user.get("groups") or {}).get("items", ())
        }
        for group in self.settings.groups:
            if group.lower() in groups:
                return Access(allowed=True, role=f"group {group}", needed=needed)
        project = self._project(thread) if self.settings.project_roles else None
        for role in self.settings.project_roles:
            if project and self._in_role(project, role, person.login, groups):
                return Access(allowed=True, role=f"project role {role}", needed=needed)
        return Access(allowed=False, role="none", needed=needed)

    def _needed(self, thread: Thread | None) -> str:
        """Who may start runs, in Markdown."""
        project = self._projects.get(thread.number) if thread is not None else None
        where = f" in {code(project)}" if project else ""
        who = [f"the Jira group {code(g)}" for g in self.settings.groups]
        who += [f"the project role {code(r)}{where}" for r in self.settings.project_roles]
        return "members of " + " or ".join(who)

    def _in_role(self, project: str, role: str, login: str, groups: set[str]) -> bool:
        with self._calling(f"read the project roles of {project}", "Browse projects"):
            roles = {
                name.lower(): found for name, found in self._jira.project_roles(project).items()
            }
            if role.lower() not in roles:
                raise ConfigError(
                    f"project {project} has no role {role!r} (jira.project_roles); it has "
                    + ", ".join(sorted(self._jira.project_roles(project)))
                )
            actors = self._jira.project_role(project, roles[role.lower()]["id"]).raw.get("actors")
        for actor in actors or ():
            if actor.get("type") == "atlassian-group-role-actor":
                group = actor.get("actorGroup") or {}
                name = str(group.get("name") or actor.get("name") or "")
                if name.lower() in groups:
                    return True
            else:
                user = actor.get("actorUser") or {}
                if login in (user.get("accountId"), actor.get("name")):
                    return True
        return False

    def _user(self, login: str) -> dict[str, Any] | None:
        """The user named ``login`` with their groups; None when Jira knows no such user."""
        if login not in self._users:
            with self._calling(f"read the user {login}", "Browse users and groups"):
                try:
                    user = self._jira.user(quote(login, safe=""), expand="groups").raw
                except JIRAError as exc:
                    if exc.status_code != 404:
                        raise
                    return None
            self._users[login] = dict(user)
        return self._users[login]

    def _person(self, user: Mapping[str, Any]) -> Person:
        if self._jira.cloud:
            login = str(user.get("accountId") or "")
            mention = f"[~accountid:{login}]"
        else:
            login = str(user.get("name") or user.get("key") or "")
            mention = f"[~{login}]"
        if not login:
            return GHOST
        self._mentions[login] = mention
        return Person(login=login, bot=user.get("accountType") == "app")

    # -- threads -------------------------------------------------------------------------------

    def thread(self, number: int, kind: Literal["issue", "pull"] = "issue") -> Thread:
        if kind != "issue":
            raise ConfigError("the jira forge's threads are Jira issues, not pull requests")
        return self._thread(self._issue(str(number), "summary,description,labels,reporter,project"))

    def _issue(self, key: str, fields: str) -> dict[str, Any]:
        with self._calling(f"read the issue {key}", "Browse projects"):
            issue: dict[str, Any] = self._jira.issue(key, fields=fields).raw
        self._projects[int(issue["id"])] = str(issue["fields"]["project"]["key"])
        return issue

    def _thread(self, issue: Mapping[str, Any]) -> Thread:
        fields = issue["fields"]
        reporter = fields.get("reporter")
        return Thread(
            number=int(issue["id"]),
            kind="issue",
            title=fields.get("summary") or "",
            body=request_markdown(fields.get("description") or ""),
            url=f"{self.server}/browse/{issue['key']}",
            labels=tuple(fields.get("labels") or ()),
            author=self._person(reporter) if reporter else None,
            slug=f"jira-{issue['key']}",
        )

    def _project(self, thread: Thread | None) -> str | None:
        if thread is None:
            return None
        if thread.number not in self._projects:
            self._issue(str(thread.number), "project")
        return self._projects[thread.number]

    def comments(self, thread: Thread) -> list[Comment]:
        with self._calling(f"read the comments of {_name(thread)}", "Browse projects"):
            found = self._jira.all_comments(str(thread.number))
        for resource in found:
            self._comments[int(resource.raw["id"])] = resource
        return [self._comment(resource.raw, thread) for resource in found]

    def comment(self, thread: Thread, body: str) -> Comment:
        with self._calling(f"comment on {_name(thread)}", "Add comments"):
            made = self._jira.add_comment(str(thread.number), to_wiki(body, self._mentions))
        self._comments[int(made.raw["id"])] = made
        return self._comment(made.raw, thread)

    def edit_comment(self, thread: Thread, comment_id: int, body: str) -> None:
        with self._calling(f"edit comment {comment_id} on {_name(thread)}", "Edit own comments"):
            resource = self._comments.get(comment_id) or self._jira.comment(
                str(thread.number), str(comment_id)
            )
            resource.update(body=to_wiki(body, self._mentions))
        self._comments[comment_id] = resource

    def _comment(self, raw: Mapping[str, Any], thread: Thread) -> Comment:
        author = raw.get("author")
        return Comment(
            id=int(raw["id"]),
            body=from_wiki(str(raw.get("body") or "")),
            author=self._person(author) if author else GHOST,
            url=f"{thread.url}?focusedCommentId={raw['id']}" if thread.url else "",
            created_at=_when(raw.get("created")),
        )

    def relabel(
        self, thread: Thread, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> tuple[str, ...]:
        """The labels as asked, ciopt's state labels named as ``jira.labels`` says; and for each
        state added, the workflow transition ``jira.transitions`` names."""
        adding = [n for n in dict.fromkeys(map(self._label, add)) if n]
        removing = [n for n in dict.fromkeys(map(self._label, remove)) if n and n not in adding]
        with self._calling(f"label {_name(thread)}", "Edit issues"):
            issue = self._jira.issue(str(thread.number), fields="labels,status")
            if adding or removing:
                changes = [{"add": n} for n in adding] + [{"remove": n} for n in removing]
                issue.update(update={"labels": changes})
        for state in filter(None, map(self._state, add)):
            status = str(issue.raw["fields"].get("status", {}).get("name") or "")
            if state in self.settings.transitions:
                self._move(thread, self.settings.transitions[state], status)
        return tuple(issue.raw["fields"].get("labels") or ())

    def _state(self, label: str) -> str | None:
        return next((s for s in STATES if label.lower() == f"{self.label}:{s}".lower()), None)

    def _label(self, label: str) -> str | None:
        """The Jira label for ``label``: ciopt's state labels as ``jira.labels`` names them."""
        state = self._state(label)
        if state is None or self.settings.labels is None:
            return label
        return {str(k): v for k, v in self.settings.labels.items()}.get(state)

    def _move(self, thread: Thread, wanted: str, status: str) -> None:
        """Make the transition named ``wanted`` (or that leads to the status ``wanted``), unless
        the issue is in that status already; a workflow that offers none is said, not fatal."""
        if status.lower() == wanted.lower():
            return
        with self._calling(f"move {_name(thread)} to {wanted}", "Transition issues"):
            offered = self._jira.transitions(str(thread.number))
            chosen = next(
                (
                    t
                    for t in offered
                    if wanted.lower()
                    in (str(t.get("name")).lower(), str((t.get("to") or {}).get("name")).lower())
                ),
                None,
            )
            if chosen is None:
                names = ", ".join(str(t.get("name")) for t in offered) or "none"
                print(
                    f"ciopt: warning: {_name(thread)} ({status}) offers no transition {wanted!r} "
                    f"(jira.transitions); it offers: {names}",
                    file=sys.stderr,
                )
                return
            self._jira.transition_issue(str(thread.number), str(chosen["id"]))

    # -- the code, on the code forge -----------------------------------------------------------

    def link(self, thread: Thread, url: str, title: str) -> None:
        noun = "merge request" if self.code.name == "gitlab" else "pull request"
        with self._calling(f"link the {noun} from {_name(thread)}", "Link issues"):
            self._jira.put_remote_link(
                str(thread.number),
                {
                    "globalId": f"ciopt:{url}",
                    "application": {"type": "ciopt", "name": "ciopt"},
                    "relationship": f"ciopt {noun}",
                    "object": {"url": url, "title": title[:255], "summary": f"ciopt's {noun}"},
                },
            )

    def fetch(self, repo: Git, thread: Thread) -> tuple[str, str]:
        return self.code.fetch(repo, thread)

    def links(self, environ: Mapping[str, str]) -> Links:
        return self.code.links(environ)

    def remote(self) -> Remote | None:
        return self.code.remote()

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
        return self.code.publish(repo, branch=branch, head=head, title=title, body=body, base=base)

    # -- the API boundary ----------------------------------------------------------------------

    @contextmanager
    def _calling(self, what: str, permission: str = "Browse projects") -> Iterator[None]:
        with calling(self.server, what, permission):
            yield


def _name(thread: Thread) -> str:
    return thread.slug.removeprefix("jira-") if thread.slug else f"issue {thread.number}"


def _when(text: Any) -> datetime | None:
    """A Jira time (``2024-05-01T12:00:00.000+0000``), or None."""
    try:
        return datetime.fromisoformat(str(text))
    except ValueError:
        return None
