"""A stateful fake of Jira's REST API v2, at the HTTP level, for the ``jira`` library under
``responses``: Jira Cloud (accountIds, email and API token) or Data Center (usernames, a personal
access token).

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        jira = FakeJira(rsps)
        alice = jira.user("alice", groups=["ciopt-users"])
        key = jira.issue("PROJ", "Speed up dedupe", description, reporter=alice)
        jira.add_label(key, "optimize", actor=alice)
        env = jira.env()  # JIRA_URL and the credentials

State (public, JSON as the API returns it; tests read and change it directly):
    ``issues[key]``         issue JSON (``id``, ``key``, ``self``, ``fields``: ``summary``,
                            ``description`` (wiki markup), ``labels``, ``reporter``,
                            ``project``, ``status``, ``issuetype``, ``created``, ``updated``)
    ``comments[key]``       its comments, oldest first (``id``, ``self``, ``author``, ``body``,
                            ``created``, ``updated``)
    ``histories[key]``      its changelog, oldest first (``author``, ``created``, ``items`` with
                            ``field``, ``fromString``, ``toString``)
    ``remote_links[key]``   its remote links (``id``, ``globalId``, ``application``,
                            ``relationship``, ``object``)
    ``users`` (login -> user: the accountId on Cloud, the username on Data Center), ``groups``
    (name -> logins), ``roles`` ((project, role) -> its users and groups), ``me`` (the account
    of the credentials: every write is its), ``calls`` (``(method, path, json body or None)``,
    the path without host or query).

Routes (under ``/rest/api/2``): ``serverInfo``, ``myself``, ``user`` (``accountId`` or
``username``, ``expand=groups``), ``group`` and ``group/member`` (members), ``project/{key}/role``
and ``project/{key}/role/{id}``; ``issue/{idOrKey}`` (GET with ``fields`` and
``expand=changelog``; PUT: ``update.labels`` add/remove/set and ``fields.labels``),
``.../comment`` (list with ``startAt``/``maxResults``, at most ``page_cap`` a page; create),
``.../comment/{id}`` (get; edit, by its author only), ``.../transitions`` (the workflow's
transitions from the issue's status; POST one by id), ``.../remotelink`` (list; POST creates, or
updates the link with the same ``globalId``). Also ``/rest/applinks/latest/listApplicationlinks``,
403 as for anyone but an administrator.

Refusals are Jira's: 401 without the credentials; 404 for an unknown issue, user, project, role or
comment; 400 for a label with a space, a comment too long or empty, a transition not offered, a
remote link without ``url`` and ``title``; 403 for editing another's comment. ``fail(method,
path_regex, status, headers=, times=)`` makes the next matching requests answer an error
(recorded like the others).

The workflow: ``To Do`` -> ``In Progress`` -> ``In Review`` -> ``Done``; from any status every
other is offered (``Start Progress``, ``Review``, ``Done``, ``Reopen``).
"""

from __future__ import annotations

import base64
import copy
import itertools
import json
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import responses
from requests import PreparedRequest

__all__ = ["FakeJira"]

Json = dict[str, Any]
Out = tuple[int, Any]
Handler = Callable[[re.Match[str], dict[str, str], Any], Out]

API = "/rest/api/2"
STATUSES = {
    "To Do": "new",
    "In Progress": "indeterminate",
    "In Review": "indeterminate",
    "Done": "done",
}
TRANSITIONS = {  # id -> (name, the status it leads to)
    "11": ("Reopen", "To Do"),
    "21": ("Start Progress", "In Progress"),
    "31": ("Review", "In Review"),
    "41": ("Done", "Done"),
}


class Refused(Exception):
    """An API error answer, raised by a route."""

    def __init__(self, status: int, *messages: str, errors: Json | None = None) -> None:
        super().__init__(messages)
        self.status = status
        self.body: Json = {"errorMessages": list(messages), "errors": dict(errors or {})}


@dataclass
class _Failure:
    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str]
    times: int


class FakeJira:
    def __init__(
        self,
        rsps: responses.RequestsMock,
        *,
        url: str = "https://acme.atlassian.net",
        cloud: bool = True,
        me: str = "ciopt-bot",
    ) -> None:
        self.url = url.rstrip("/")
        self._prefix = urlsplit(self.url).path  # a Data Center site's context path, if any
        self.cloud = cloud
        self.api = self.url + API
        self.email = "ciopt-bot@acme.example"
        self.token = "ATATT3xFfGF0-jira-api-token-0123456789abcdef"
        self.pat = "NjQ3OTc5MjY5NjU0OmZha2UtcGF0LTAxMjM0NTY3ODlhYmNkZWY="
        self.page_cap = 50
        self.users: dict[str, Json] = {}
        self.groups: dict[str, set[str]] = {}
        self.roles: dict[tuple[str, str], Json] = {}
        self.issues: dict[str, Json] = {}
        self.comments: dict[str, list[Json]] = {}
        self.histories: dict[str, list[Json]] = {}
        self.remote_links: dict[str, list[Json]] = {}
        self.calls: list[tuple[str, str, object]] = []
        self._failures: list[_Failure] = []
        self._ids = itertools.count(10000)
        self._numbers: dict[str, itertools.count[int]] = {}
        self._clock = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
        self.me = self.user(me, app=False)
        pattern = re.compile(re.escape(self.url) + r"(?::\d+)?/rest/.*")
        for method in ("GET", "POST", "PUT", "DELETE"):
            rsps.add_callback(method, pattern, callback=self._answer)

    # -- state that tests set up ---------------------------------------------------------------

    def user(self, name: str, *, groups: Sequence[str] = (), app: bool = False) -> str:
        """A Jira account named ``name`` in ``groups``; its login (accountId on Cloud)."""
        login = f"712020:{uuid.uuid5(uuid.NAMESPACE_URL, name)}" if self.cloud else name
        if login not in self.users:
            user: Json = {"displayName": name.title(), "active": True, "timeZone": "Etc/UTC"}
            if self.cloud:
                user |= {
                    "self": f"{self.api}/user?accountId={login}",
                    "accountId": login,
                    "accountType": "app" if app else "atlassian",
                }
            else:
                user |= {
                    "self": f"{self.api}/user?username={login}",
                    "key": f"JIRAUSER{next(self._ids)}",
                    "name": login,
                    "emailAddress": f"{name}@acme.example",
                }
            self.users[login] = user
        for group in groups:
            self.groups.setdefault(group, set()).add(login)
        return login

    def role(
        self, project: str, name: str, *, users: Sequence[str] = (), groups: Sequence[str] = ()
    ) -> None:
        self.roles[(project, name)] = {
            "id": next(self._ids),
            "users": list(users),
            "groups": list(groups),
        }

    def issue(
        self,
        project: str,
        summary: str,
        description: str | None,
        *,
        reporter: str,
        labels: Sequence[str] = (),
        status: str = "To Do",
    ) -> str:
        number = next(self._numbers.setdefault(project, itertools.count(1)))
        key, issue_id = f"{project}-{number}", str(next(self._ids))
        now = self._now()
        self.issues[key] = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,transitions",
            "id": issue_id,
            "self": f"{self.api}/issue/{issue_id}",
            "key": key,
            "fields": {
                "summary": summary,
                "description": description,
                "labels": list(labels),
                "reporter": self._public(reporter),
                "creator": self._public(reporter),
                "project": {
                    "self": f"{self.api}/project/{project}",
                    "id": str(10000 + len(project)),
                    "key": project,
                    "name": project.title(),
                    "projectTypeKey": "software",
                },
                "issuetype": {"name": "Task", "id": "10001", "subtask": False},
                "status": self._status(status),
                "created": now,
                "updated": now,
            },
        }
        self.comments[key], self.histories[key], self.remote_links[key] = [], [], []
        return key

    def add_label(self, key: str, label: str, *, actor: str) -> None:
        """``actor`` adds ``label`` to the issue (again): the label, and a line of history."""
        labels = self.issues[key]["fields"]["labels"]
        before = list(labels)
        if label not in labels:
            labels.append(label)
        self._history(key, actor, "labels", " ".join(before), " ".join(labels))

    def add_comment(self, key: str, body: str, *, author: str) -> Json:
        return self._add_comment(key, body, author)

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` requests whose path matches the regex ``path`` get ``status``."""
        self._failures.append(
            _Failure(method.upper(), re.compile(path), status, dict(headers or {}), times)
        )

    def env(self) -> dict[str, str]:
        """The variables a job sets for ciopt's Jira account."""
        if self.cloud:
            return {"JIRA_URL": self.url, "JIRA_EMAIL": self.email, "JIRA_API_TOKEN": self.token}
        return {"JIRA_URL": self.url, "JIRA_PAT": self.pat}

    # -- webhook bodies, as Jira sends them ----------------------------------------------------

    def webhook(self, key: str, *, user: str, event: str = "jira:issue_updated") -> Json:
        """Jira's webhook body for an issue event by ``user`` (its last history, if any)."""
        body: Json = {
            "timestamp": int(self._clock.timestamp() * 1000),
            "webhookEvent": event,
            "issue_event_type_name": "issue_generic"
            if event.endswith("updated")
            else "issue_created",
            "user": self._public(user),
            "issue": copy.deepcopy(self.issues[key]),
        }
        if event.endswith("updated") and self.histories[key]:
            last = self.histories[key][-1]
            body["changelog"] = {"id": last["id"], "items": copy.deepcopy(last["items"])}
        return body

    # -- JSON ------------------------------------------------------------------------------------

    def _now(self) -> str:
        self._clock += timedelta(minutes=1)
        return self._clock.strftime("%Y-%m-%dT%H:%M:%S.000+0000")

    def _public(self, login: str) -> Json:
        """A user as issues and comments show one (no groups)."""
        user = self.users.get(login)
        if user is None:
            raise KeyError(f"no user {login}: register it with user()")
        return {k: v for k, v in user.items() if k not in ("groups", "expand")}

    def _status(self, name: str) -> Json:
        return {
            "self": f"{self.api}/status/{list(STATUSES).index(name) + 1}",
            "id": str(list(STATUSES).index(name) + 1),
            "name": name,
            "statusCategory": {"key": STATUSES[name], "name": name},
        }

    def _history(self, key: str, actor: str, field: str, before: str, after: str) -> None:
        self.histories[key].append(
            {
                "id": str(next(self._ids)),
                "author": self._public(actor),
                "created": self._now(),
                "items": [
                    {
                        "field": field,
                        "fieldtype": "jira",
                        "from": None,
                        "fromString": before,
                        "to": None,
                        "toString": after,
                    }
                ],
            }
        )

    def _add_comment(self, key: str, body: str, author: str) -> Json:
        issue = self.issues[key]
        comment_id = str(next(self._ids))
        now = self._now()
        comment = {
            "self": f"{self.api}/issue/{issue['id']}/comment/{comment_id}",
            "id": comment_id,
            "author": self._public(author),
            "body": body,
            "updateAuthor": self._public(author),
            "created": now,
            "updated": now,
            "jsdPublic": True,
        }
        self.comments[key].append(comment)
        return comment

    # -- HTTP --------------------------------------------------------------------------------------

    def _answer(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        url = urlsplit(str(request.url))
        method = str(request.method).upper()
        raw = request.body
        body = json.loads(raw) if isinstance(raw, str | bytes) and raw else None
        self.calls.append((method, url.path, body))
        for failure in self._failures:
            if failure.times > 0 and failure.method == method and failure.path.search(url.path):
                failure.times -= 1
                data = {"errorMessages": [f"failure {failure.status}"], "errors": {}}
                return self._reply(failure.status, data, failure.headers)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        path = url.path.removeprefix(self._prefix)
        try:
            self._authenticate(request)
            for route_method, pattern, handler in self._routes():
                found = pattern.fullmatch(path)
                if found and route_method == method:
                    status, data = handler(found, query, body)
                    return self._reply(status, data, {})
            raise Refused(404, "Not Found")
        except Refused as refused:
            return self._reply(refused.status, refused.body, {})

    @staticmethod
    def _reply(status: int, data: Any, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
        text = "" if status == 204 else json.dumps(data)
        return status, {"Content-Type": "application/json;charset=UTF-8", **headers}, text

    def _authenticate(self, request: PreparedRequest) -> None:
        given = str(request.headers.get("Authorization") or "")
        scheme, _, value = given.partition(" ")
        if self.cloud:
            expected = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
            ok = scheme == "Basic" and value == expected
        else:
            ok = scheme == "Bearer" and value == self.pat
        if not ok:
            raise Refused(
                401, "You are not authenticated. Authentication required to perform this operation."
            )

    def _routes(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        issue = API + r"/issue/(?P<issue>[^/]+)"
        table: list[tuple[str, str, Handler]] = [
            ("GET", API + "/serverInfo", self._server_info),
            ("GET", API + "/myself", lambda m, q, b: (200, self._user_json(self.me, q))),
            ("GET", API + "/user", self._get_user),
            ("GET", API + "/group", self._group),
            ("GET", API + "/group/member", self._group_member),
            ("GET", API + r"/project/(?P<project>[^/]+)/role", self._project_roles),
            ("GET", API + r"/project/(?P<project>[^/]+)/role/(?P<id>\d+)", self._project_role),
            ("GET", issue, self._get_issue),
            ("PUT", issue, self._edit_issue),
            ("GET", issue + "/comment", self._list_comments),
            ("POST", issue + "/comment", self._create_comment),
            ("GET", issue + r"/comment/(?P<id>\d+)", self._get_comment),
            ("PUT", issue + r"/comment/(?P<id>\d+)", self._edit_comment),
            ("GET", issue + "/transitions", self._transitions),
            ("POST", issue + "/transitions", self._transition),
            ("GET", issue + "/remotelink", self._list_links),
            ("POST", issue + "/remotelink", self._put_link),
            ("GET", "/rest/applinks/latest/listApplicationlinks", self._applinks),
        ]
        return [(method, re.compile(p), handler) for method, p, handler in table]

    # -- routes: the site and its people ---------------------------------------------------------

    def _server_info(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        version = [1001, 0, 0] if self.cloud else [9, 12, 2]
        return 200, {
            "baseUrl": self.url,
            "version": ".".join(map(str, version)),
            "versionNumbers": version,
            "deploymentType": "Cloud" if self.cloud else "Server",
            "buildNumber": 100250,
            "serverTitle": "Jira",
        }

    def _user_json(self, login: str, q: dict[str, str]) -> Json:
        user = copy.deepcopy(self.users[login])
        if "groups" in q.get("expand", "").split(","):
            names = sorted(g for g, members in self.groups.items() if login in members)
            items = [{"name": g, "self": f"{self.api}/group?groupname={g}"} for g in names]
            user["groups"] = {"size": len(items), "items": items}
        user["expand"] = "groups,applicationRoles"
        return user

    def _get_user(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        login = q.get("accountId" if self.cloud else "username")
        if login is None or login not in self.users:
            raise Refused(404, f"The user with account ID '{login}' does not exist")
        return 200, self._user_json(login, q)

    def _members(self, name: str | None) -> list[Json]:
        if name not in self.groups:
            raise Refused(404, f"Group '{name}' does not exist.")
        return [self._public(login) for login in sorted(self.groups[name])]

    def _group(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        members = self._members(q.get("groupname"))
        users = {"size": len(members), "items": members, "max-results": 50, "start-index": 0}
        return 200, {"name": q["groupname"], "users": users | {"end-index": len(members) - 1}}

    def _group_member(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        members = self._members(q.get("groupname"))
        return 200, {
            "startAt": 0,
            "maxResults": 50,
            "total": len(members),
            "isLast": True,
            "values": members,
        }

    def _project_roles(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        project = unquote(m["project"])
        if not any(p == project for p, _ in self.roles) and not any(
            i["fields"]["project"]["key"] == project for i in self.issues.values()
        ):
            raise Refused(404, f"No project could be found with key '{project}'.")
        return 200, {
            name: f"{self.api}/project/{project}/role/{role['id']}"
            for (p, name), role in self.roles.items()
            if p == project
        }

    def _project_role(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        project, wanted = unquote(m["project"]), int(m["id"])
        for (p, name), role in self.roles.items():
            if p == project and role["id"] == wanted:
                return 200, {
                    "self": f"{self.api}/project/{project}/role/{wanted}",
                    "name": name,
                    "id": wanted,
                    "description": f"{name} of {project}",
                    "actors": self._actors(role),
                }
        raise Refused(404, f"Can not retrieve a role actor for a null project role {wanted}")

    def _actors(self, role: Json) -> list[Json]:
        actors: list[Json] = []
        for login in role["users"]:
            user = self._public(login)
            actor: Json = {
                "id": next(self._ids),
                "displayName": user["displayName"],
                "type": "atlassian-user-role-actor",
            }
            if self.cloud:
                actor["actorUser"] = {"accountId": login}
            else:
                actor["name"] = login
            actors.append(actor)
        for group in role["groups"]:
            actors.append(
                {
                    "id": next(self._ids),
                    "displayName": group,
                    "type": "atlassian-group-role-actor",
                    "name": group,
                    "actorGroup": {"name": group, "displayName": group},
                }
            )
        return actors

    # -- routes: issues ----------------------------------------------------------------------------

    def _key(self, m: re.Match[str]) -> str:
        wanted = unquote(m["issue"])
        for key, issue in self.issues.items():
            if wanted.upper() == key or wanted == issue["id"]:
                return key
        raise Refused(404, "Issue does not exist or you do not have permission to see it.")

    def _get_issue(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        key = self._key(m)
        issue = copy.deepcopy(self.issues[key])
        wanted = [f for f in q.get("fields", "*all").split(",") if f]
        if "*all" not in wanted:
            issue["fields"] = {k: v for k, v in issue["fields"].items() if k in wanted}
        if "changelog" in q.get("expand", "").split(","):
            histories = copy.deepcopy(self.histories[key])
            issue["changelog"] = {
                "startAt": 0,
                "maxResults": len(histories),
                "total": len(histories),
                "histories": histories,
            }
        return 200, issue

    def _edit_issue(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        key = self._key(m)
        fields = self.issues[key]["fields"]
        before = list(fields["labels"])
        labels = list(fields["labels"])
        body = b if isinstance(b, dict) else {}
        if "labels" in (body.get("fields") or {}):
            labels = list(body["fields"]["labels"])
        for operation in (body.get("update") or {}).get("labels") or ():
            for verb, value in operation.items():
                if verb == "add" and value not in labels:
                    labels.append(value)
                elif verb == "remove" and value in labels:
                    labels.remove(value)
                elif verb == "set":
                    labels = list(value)
        for label in labels:
            if not label or any(ch.isspace() for ch in label):
                raise Refused(
                    400, errors={"labels": f"The label '{label}' contains spaces which is invalid."}
                )
        if labels != before:
            fields["labels"] = labels
            fields["updated"] = self._now()
            self._history(key, self.me, "labels", " ".join(before), " ".join(labels))
        return 204, None

    # -- routes: comments --------------------------------------------------------------------------

    def _list_comments(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        comments = self.comments[self._key(m)]
        start = int(q.get("startAt", 0))
        size = min(int(q.get("maxResults", self.page_cap)), self.page_cap)
        page = comments[start : start + size]
        return 200, {
            "startAt": start,
            "maxResults": size,
            "total": len(comments),
            "comments": copy.deepcopy(page),
        }

    def _body(self, b: Any) -> str:
        body = b.get("body") if isinstance(b, dict) else None
        if not isinstance(body, str) or not body.strip():
            raise Refused(400, errors={"comment": "Comment body can not be empty!"})
        if len(body) > 32767:
            raise Refused(
                400,
                errors={
                    "comment": "The entered text is too long. It exceeds the allowed limit of "
                    "32767 characters."
                },
            )
        return body

    def _create_comment(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        key = self._key(m)
        return 201, copy.deepcopy(self._add_comment(key, self._body(b), self.me))

    def _find_comment(self, m: re.Match[str]) -> Json:
        for comment in self.comments[self._key(m)]:
            if comment["id"] == m["id"]:
                return comment
        raise Refused(404, f"Can not find a comment for the id: {m['id']}.")

    def _get_comment(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        return 200, copy.deepcopy(self._find_comment(m))

    def _edit_comment(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        comment = self._find_comment(m)
        author = comment["author"].get("accountId") or comment["author"].get("name")
        if author != self.me:
            raise Refused(403, "You do not have the permission to edit this comment.")
        comment["body"] = self._body(b)
        comment["updated"] = self._now()
        return 200, copy.deepcopy(comment)

    # -- routes: the workflow and links ------------------------------------------------------------

    def _offered(self, key: str) -> list[Json]:
        status = self.issues[key]["fields"]["status"]["name"]
        return [
            {
                "id": tid,
                "name": name,
                "to": self._status(to),
                "hasScreen": False,
                "isGlobal": True,
                "isInitial": False,
                "isConditional": False,
            }
            for tid, (name, to) in TRANSITIONS.items()
            if to != status
        ]

    def _transitions(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        return 200, {"expand": "transitions", "transitions": self._offered(self._key(m))}

    def _transition(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        key = self._key(m)
        wanted = str(((b or {}).get("transition") or {}).get("id"))
        chosen = next((t for t in self._offered(key) if t["id"] == wanted), None)
        if chosen is None:
            raise Refused(400, f"Transition id '{wanted}' is not valid for this issue.")
        fields = self.issues[key]["fields"]
        before = fields["status"]["name"]
        fields["status"] = chosen["to"]
        self._history(key, self.me, "status", before, chosen["to"]["name"])
        return 204, None

    def _list_links(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        return 200, copy.deepcopy(self.remote_links[self._key(m)])

    def _put_link(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        key = self._key(m)
        body = b if isinstance(b, dict) else {}
        target = body.get("object") or {}
        if not target.get("url") or not target.get("title"):
            raise Refused(
                400, errors={"title": "'title' is required.", "url": "'url' is required."}
            )
        links = self.remote_links[key]
        global_id = body.get("globalId")
        found = next((k for k in links if global_id and k.get("globalId") == global_id), None)
        fields = {name: body.get(name) for name in ("globalId", "application", "relationship")}
        if found is not None:  # Jira sets what the request leaves out to null
            found.update(fields, object=target)
            return 200, {"id": found["id"], "self": found["self"]}
        link_id = next(self._ids)
        issue_id = self.issues[key]["id"]
        link = {
            "id": link_id,
            "self": f"{self.api}/issue/{issue_id}/remotelink/{link_id}",
            **fields,
            "object": target,
        }
        links.append(link)
        return 201, {"id": link_id, "self": link["self"]}

    def _applinks(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        raise Refused(403, "Administrator permission is required.")
