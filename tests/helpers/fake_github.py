"""A stateful fake of the GitHub REST API, at the HTTP level, for PyGithub under ``responses``.

It answers the routes ciopt's GitHub backend calls, with the real methods, status codes and JSON
field names, keeping issues, pull requests, comments, labels and issue events in plain dicts that
tests read and change directly::

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=str(bare_repo))
        fake.user("alice", permission="write")
        number = fake.issue("Speed up dedupe", body, author="alice", labels=["optimize"])
        env = fake.actions_env("issues", fake.issues_labeled(number, label="optimize",
                               sender="alice"), tmp_path)

(Register it in a ``RequestsMock`` that does not assert that every route fired: it adds one
callback per HTTP method.)

State (all public, JSON as the API returns it):
    ``issues[n]``    issue JSON; a pull request has one too, with ``pull_request`` (issues and
                     pulls share one number space), and its ``labels`` list is the pull's
    ``pulls[n]``     pull request JSON (``head``/``base`` with ``ref``, ``sha``, ``repo``;
                     ``draft``)
    ``comments[n]``  the comments of issue or pull ``n``, oldest first
    ``events[n]``    issue events (``labeled``, ``unlabeled``), oldest first
    ``labels``       repository labels by name
    ``users``, ``permissions``  registered accounts (lower-case login) and their repository role
    ``calls``        every request: ``(method, path, json body or None)``; the path has no host,
                     port or query (``/repos/octo/textkit/pulls``; ``/api/v3/...`` on GHES)
    ``token``        the only token accepted (``actions_env`` hands it out); others get 401
    ``drafts_supported``  False: creating a draft pull request answers 422, as on plans without
    ``me``           the token's account: a ``[bot]`` login (GITHUB_TOKEN) gets 403 on ``GET /user``

Routes (under ``api_url``, host with or without ``:443``): ``GET /user``, ``GET /users/{login}``,
``GET /repos/{o}/{r}``, issues (list with ``state``/``labels``/``sort``/``direction``, get,
``PATCH``), issue comments (list, create, get, edit, delete), issue labels (list, add, set,
remove one), issue events, repository labels (list, get, create), collaborator permission
(registered users; anyone else 404), pulls (list with ``state``/``head``/``base``, create with
``draft``, get, ``PATCH``). Lists are paginated with ``Link`` headers. Unknown objects and routes
answer 404; refusals are the API's: 422 for an existing label or pull request, a missing branch,
no commits, too long a body; 404 for removing a label the issue lacks.

``clone_url`` is where branches live: when it is a local git repository (a bare one in tests),
pull request creation checks the branches there, reads their commits, and writes
``refs/pull/{n}/head`` as GitHub does; reading a pull request follows its branch's new commits.

``fail(method, path_regex, status, headers=, body=, times=)`` makes the next matching requests
fail (rate limits, 5xx), before authentication and routing, and they are recorded like others.
"""

from __future__ import annotations

import copy
import itertools
import json
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

import responses
from requests import PreparedRequest

__all__ = ["FakeGitHub"]

Json = dict[str, Any]
Out = tuple[int, Any, dict[str, str]]
Handler = Callable[[re.Match[str], dict[str, str], Any], Out]

DOCS = "https://docs.github.com/rest"
ROLES = {"admin": "admin", "maintain": "write", "write": "write", "triage": "read", "read": "read"}


class Refused(Exception):
    """An API error answer, raised by a route."""

    def __init__(self, status: int, message: str, errors: Sequence[Json] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.body: Json = {"message": message, "documentation_url": DOCS, "status": str(status)}
        if errors:
            self.body["errors"] = list(errors)


@dataclass
class _Failure:
    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: Json | list[Any]
    times: int


def _invalid(resource: str, field: str, code: str = "invalid", message: str = "") -> Refused:
    error: Json = {"resource": resource, "field": field, "code": code}
    if message:
        error["message"] = message
    return Refused(422, "Validation Failed", [error])


def _ok(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Out:
    return status, data, headers or {}


class FakeGitHub:
    def __init__(
        self,
        rsps: responses.RequestsMock,
        *,
        full_name: str = "octo/textkit",
        clone_url: str,
        api_url: str = "https://api.github.com",
        default_branch: str = "main",
        me: str = "github-actions[bot]",
    ) -> None:
        self.api_url = api_url.rstrip("/")
        self.full_name = full_name
        self.clone_url = clone_url
        self.default_branch = default_branch
        self.me = me
        api = urlsplit(self.api_url)
        host = api.hostname or ""
        self._prefix = api.path.rstrip("/")
        web = host.removeprefix("api.") if host == "api.github.com" else host
        self.server_url = f"{api.scheme}://{web}"
        self.token = "ghs_fakeInstallationToken0123456789"
        self.drafts_supported = True
        self.issues: dict[int, Json] = {}
        self.pulls: dict[int, Json] = {}
        self.comments: dict[int, list[Json]] = {}
        self.events: dict[int, list[Json]] = {}
        self.labels: dict[str, Json] = {}
        self.users: dict[str, Json] = {}
        self.permissions: dict[str, str] = {}
        self.calls: list[tuple[str, str, object]] = []
        self._failures: list[_Failure] = []
        self._numbers = itertools.count(1)
        self._ids = itertools.count(1001)
        self._clock = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
        self._event_files = itertools.count(1)
        self._user(me)
        self._routes = self._route_table()
        pattern = re.compile(
            rf"{re.escape(api.scheme)}://{re.escape(host)}(?::\d+)?{re.escape(self._prefix)}/.*"
        )
        for method in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            rsps.add_callback(method, pattern, callback=self._answer)

    # -- state that tests set up ---------------------------------------------------------------

    def user(self, login: str, *, permission: str = "write", bot: bool = False) -> Json:
        """Register an account with a repository role: admin, maintain, write, triage, read."""
        self.permissions[login.lower()] = permission
        return self._user(login, bot=bot)

    def issue(self, title: str, body: str, *, author: str, labels: Sequence[str] = ()) -> int:
        number = next(self._numbers)
        self._new_thread(number, title, body, author)
        for name in labels:
            self._apply_label(number, name, actor=author)
        return number

    def pull(
        self,
        title: str,
        body: str,
        *,
        author: str,
        head_ref: str,
        head_sha: str,
        base_ref: str = "main",
        fork: bool = False,
        draft: bool = False,
    ) -> int:
        number = next(self._numbers)
        self._new_pull(number, title, body, author, head_ref, head_sha, base_ref, fork, draft)
        return number

    def add_comment(self, number: int, body: str, *, author: str) -> Json:
        """A comment someone wrote on issue or pull ``number`` (the stored JSON)."""
        return self._add_comment(number, body, self._user(author))

    def label_event(self, number: int, label: str, *, actor: str) -> None:
        """``actor`` labels issue ``number`` (again): the label, and a ``labeled`` event."""
        self._apply_label(number, label, actor=actor, again=True)

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        body: Json | list[Any] | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` requests whose path matches the regex ``path`` get this answer."""
        answer = body if body is not None else {"message": HTTPStatus(status).phrase}
        self._failures.append(
            _Failure(method.upper(), re.compile(path), status, dict(headers or {}), answer, times)
        )

    # -- webhook payloads, as GitHub sends them ------------------------------------------------

    def issues_labeled(self, number: int, *, label: str, sender: str) -> Json:
        """``issues`` / ``labeled``: ``sender`` adds ``label`` (if the issue lacks it)."""
        self._apply_label(number, label, actor=sender)
        return {
            "action": "labeled",
            "issue": copy.deepcopy(self.issues[number]),
            "label": copy.deepcopy(self.labels[label.lower()]),
            "repository": self._repo(),
            "sender": self._user(sender),
        }

    def issue_comment(self, comment: Json, number: int, *, action: str = "created") -> Json:
        payload = {
            "action": action,
            "issue": copy.deepcopy(self.issues[number]),
            "comment": copy.deepcopy(comment),
            "repository": self._repo(),
            "sender": copy.deepcopy(comment["user"]),
        }
        if action == "edited":
            payload["changes"] = {"body": {"from": comment["body"]}}
        return payload

    def workflow_dispatch(self, inputs: dict[str, str], *, sender: str) -> Json:
        return {
            "inputs": dict(inputs),
            "ref": f"refs/heads/{self.default_branch}",
            "repository": self._repo(),
            "sender": self._user(sender),
            "workflow": ".github/workflows/ciopt.yml",
        }

    def actions_env(
        self, event_name: str, payload: Json, tmp_path: Path, **extra: str
    ) -> dict[str, str]:
        """The variables a GitHub Actions runner sets, with ``payload`` written to a file."""
        path = tmp_path / f"github-event-{next(self._event_files)}.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        env = {
            "GITHUB_ACTIONS": "true",
            "GITHUB_EVENT_NAME": event_name,
            "GITHUB_EVENT_PATH": str(path),
            "GITHUB_REPOSITORY": self.full_name,
            "GITHUB_REPOSITORY_OWNER": self.full_name.split("/")[0],
            "GITHUB_API_URL": self.api_url,
            "GITHUB_SERVER_URL": self.server_url,
            "GITHUB_RUN_ID": "1",
            "GITHUB_RUN_ATTEMPT": "1",
            "GITHUB_ACTOR": (payload.get("sender") or {}).get("login", self.me),
            "GITHUB_TOKEN": self.token,
        }
        return {**env, **extra}

    # -- JSON ------------------------------------------------------------------------------------

    def _now(self) -> str:
        self._clock += timedelta(minutes=1)
        return self._clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _user(self, login: str, *, bot: bool = False) -> Json:
        key = login.lower()
        if key not in self.users:
            self.users[key] = {
                "login": login,
                "id": next(self._ids),
                "node_id": f"U_{login}",
                "type": "Bot" if bot or login.endswith("[bot]") else "User",
                "site_admin": False,
                "url": f"{self.api_url}/users/{quote(login)}",
                "html_url": f"{self.server_url}/{login}",
            }
        elif bot:
            self.users[key]["type"] = "Bot"
        return dict(self.users[key])

    def _repo(self) -> Json:
        owner, name = self.full_name.split("/")
        return {
            "id": 1296269,
            "node_id": "R_textkit",
            "name": name,
            "full_name": self.full_name,
            "owner": {**self._user(owner), "type": "Organization"},
            "private": False,
            "fork": False,
            "html_url": f"{self.server_url}/{self.full_name}",
            "url": f"{self.api_url}/repos/{self.full_name}",
            "clone_url": self.clone_url,
            "default_branch": self.default_branch,
            "visibility": "public",
        }

    def _association(self, login: str) -> str:
        role = self.permissions.get(login.lower(), "")
        return "COLLABORATOR" if ROLES.get(role) in {"admin", "write"} else "NONE"

    def _new_thread(self, number: int, title: str, body: str, author: str) -> Json:
        api = f"{self.api_url}/repos/{self.full_name}/issues/{number}"
        now = self._now()
        self.issues[number] = {
            "url": api,
            "repository_url": f"{self.api_url}/repos/{self.full_name}",
            "labels_url": f"{api}/labels{{/name}}",
            "comments_url": f"{api}/comments",
            "events_url": f"{api}/events",
            "html_url": f"{self.server_url}/{self.full_name}/issues/{number}",
            "id": 500000 + number,
            "node_id": f"I_{number}",
            "number": number,
            "title": title,
            "user": self._user(author),
            "labels": [],
            "state": "open",
            "locked": False,
            "assignee": None,
            "assignees": [],
            "milestone": None,
            "comments": 0,
            "created_at": now,
            "updated_at": now,
            "closed_at": None,
            "author_association": self._association(author),
            "body": body,
            "state_reason": None,
        }
        self.comments[number] = []
        self.events[number] = []
        return self.issues[number]

    def _new_pull(
        self,
        number: int,
        title: str,
        body: str,
        author: str,
        head_ref: str,
        head_sha: str,
        base_ref: str,
        fork: bool,
        draft: bool,
    ) -> Json:
        issue = self._new_thread(number, title, body, author)
        api = f"{self.api_url}/repos/{self.full_name}/pulls/{number}"
        html = f"{self.server_url}/{self.full_name}/pull/{number}"
        issue["html_url"] = html
        issue["draft"] = draft
        issue["pull_request"] = {
            "url": api,
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "merged_at": None,
        }
        repo = self._repo()
        owner = repo["owner"]
        head_repo: Json | None = repo
        if fork:
            name = self.full_name.split("/")[1]
            head_repo = {
                **repo,
                "full_name": f"{author}/{name}",
                "fork": True,
                "owner": self._user(author),
                "id": repo["id"] + number,
            }
        base_sha = self._git("rev-parse", "--verify", f"refs/heads/{base_ref}^{{commit}}")
        self.pulls[number] = {
            "url": api,
            "id": 900000 + number,
            "node_id": f"PR_{number}",
            "html_url": html,
            "diff_url": f"{html}.diff",
            "patch_url": f"{html}.patch",
            "issue_url": issue["url"],
            "comments_url": issue["comments_url"],
            "number": number,
            "state": "open",
            "locked": False,
            "title": title,
            "user": issue["user"],
            "body": body,
            "labels": issue["labels"],  # one list: labels are the issue's
            "created_at": issue["created_at"],
            "updated_at": issue["updated_at"],
            "closed_at": None,
            "merged_at": None,
            "merged": False,
            "draft": draft,
            "author_association": issue["author_association"],
            "head": {
                "label": f"{head_repo['owner']['login'] if head_repo else 'ghost'}:{head_ref}",
                "ref": head_ref,
                "sha": head_sha,
                "user": head_repo["owner"] if head_repo else None,
                "repo": head_repo,
            },
            "base": {
                "label": f"{owner['login']}:{base_ref}",
                "ref": base_ref,
                "sha": base_sha or "0" * 40,
                "user": owner,
                "repo": repo,
            },
        }
        if self._git("cat-file", "-e", f"{head_sha}^{{commit}}") is not None:
            self._git("update-ref", f"refs/pull/{number}/head", head_sha)
        return self.pulls[number]

    def _add_comment(self, number: int, body: str, user: Json) -> Json:
        if number not in self.issues:
            raise Refused(404, "Not Found")
        issue = self.issues[number]
        comment_id = next(self._ids)
        now = self._now()
        comment = {
            "url": f"{self.api_url}/repos/{self.full_name}/issues/comments/{comment_id}",
            "html_url": f"{issue['html_url']}#issuecomment-{comment_id}",
            "issue_url": issue["url"],
            "id": comment_id,
            "node_id": f"IC_{comment_id}",
            "user": user,
            "created_at": now,
            "updated_at": now,
            "author_association": self._association(user["login"]),
            "body": body,
        }
        self.comments[number].append(comment)
        issue["comments"] = len(self.comments[number])
        return comment

    def _label(self, name: str, color: str = "ededed", description: str | None = None) -> Json:
        key = name.lower()
        if key not in self.labels:
            label_id = next(self._ids)
            self.labels[key] = {
                "id": label_id,
                "node_id": f"LA_{label_id}",
                "url": f"{self.api_url}/repos/{self.full_name}/labels/{quote(name, safe='')}",
                "name": name,
                "color": color,
                "default": False,
                "description": description,
            }
        return self.labels[key]

    def _apply_label(self, number: int, name: str, *, actor: str, again: bool = False) -> None:
        label = self._label(name)
        labels = self.issues[number]["labels"]
        present = any(item["name"].lower() == name.lower() for item in labels)
        if not present:
            labels.append(dict(label))
        if again or not present:
            self._event(number, "labeled", self._user(actor), label)

    def _event(self, number: int, kind: str, actor: Json, label: Json) -> None:
        event_id = next(self._ids)
        self.events[number].append(
            {
                "id": event_id,
                "node_id": f"LE_{event_id}",
                "url": f"{self.api_url}/repos/{self.full_name}/issues/events/{event_id}",
                "actor": actor,
                "event": kind,
                "commit_id": None,
                "commit_url": None,
                "created_at": self._now(),
                "label": {"name": label["name"], "color": label["color"]},
            }
        )

    # -- the branches behind clone_url ---------------------------------------------------------

    def _git(self, *args: str) -> str | None:
        """Run git in ``clone_url`` when it is a local repository; None if it fails or is not."""
        if not Path(self.clone_url).is_dir():
            return None
        done = subprocess.run(
            ["git", *args], cwd=self.clone_url, capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else None

    def _has_git(self) -> bool:
        return self._git("rev-parse", "--git-dir") is not None

    def _branch(self, ref: str) -> str | None:
        return self._git("rev-parse", "--verify", "--quiet", f"refs/heads/{ref}^{{commit}}")

    def _follow(self, pull: Json) -> Json:
        """A pull request as GitHub shows it after pushes to its (same-repository) branch."""
        head = pull["head"]
        if head["repo"] and head["repo"]["full_name"] == self.full_name:
            sha = self._branch(head["ref"])
            if sha and sha != head["sha"]:
                head["sha"] = sha
                self._git("update-ref", f"refs/pull/{pull['number']}/head", sha)
        return pull

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
                return self._reply(failure.status, failure.body, failure.headers)
        query = {key: values[-1] for key, values in parse_qs(url.query).items()}
        path = url.path.removeprefix(self._prefix)
        try:
            self._authenticate(request)
            for route_method, pattern, handler in self._routes:
                found = pattern.fullmatch(path)
                if found and route_method == method:
                    status, data, headers = handler(found, query, body)
                    return self._reply(status, data, headers)
            raise Refused(404, "Not Found")
        except Refused as refused:
            return self._reply(refused.status, refused.body, {})

    def _reply(
        self, status: int, data: Any, headers: dict[str, str]
    ) -> tuple[int, dict[str, str], str]:
        base = {
            "Content-Type": "application/json; charset=utf-8",
            "X-RateLimit-Limit": "5000",
            "X-RateLimit-Remaining": "4999",
            "X-RateLimit-Reset": str(int(self._clock.timestamp()) + 3600),
        }
        text = "" if status == 204 else json.dumps(data)
        return status, {**base, **headers}, text

    def _authenticate(self, request: PreparedRequest) -> None:
        given = str(request.headers.get("Authorization") or "")
        if not given:
            raise Refused(401, "Requires authentication")
        scheme, _, token = given.partition(" ")
        if scheme.lower() not in {"token", "bearer"} or token != self.token:
            raise Refused(401, "Bad credentials")

    def _paginate(self, items: list[Json], query: dict[str, str], path: str) -> Out:
        per_page = min(int(query.get("per_page", 30)), 100)
        page = int(query.get("page", 1))
        last = max(1, -(-len(items) // per_page))
        headers = {}
        if page < last:

            def link(n: int) -> str:
                return f"{self.api_url}{path}?{urlencode({**query, 'page': n})}"

            headers["Link"] = f'<{link(page + 1)}>; rel="next", <{link(last)}>; rel="last"'
        return _ok(items[(page - 1) * per_page : page * per_page], headers=headers)

    def _route_table(self) -> list[tuple[str, re.Pattern[str], Handler]]:
        repo = "/repos/" + re.escape(self.full_name)
        table: list[tuple[str, str, Handler]] = [
            ("GET", r"/user", self._get_me),
            ("GET", r"/users/(?P<login>[^/]+)", self._get_user),
            ("GET", repo, lambda m, q, b: _ok(self._repo())),
            ("GET", repo + r"/issues", self._list_issues),
            ("GET", repo + r"/issues/(?P<n>\d+)", self._get_issue),
            ("PATCH", repo + r"/issues/(?P<n>\d+)", self._edit_issue),
            ("GET", repo + r"/issues/(?P<n>\d+)/comments", self._list_comments),
            ("POST", repo + r"/issues/(?P<n>\d+)/comments", self._create_comment),
            ("GET", repo + r"/issues/comments/(?P<id>\d+)", self._get_comment),
            ("PATCH", repo + r"/issues/comments/(?P<id>\d+)", self._edit_comment),
            ("DELETE", repo + r"/issues/comments/(?P<id>\d+)", self._delete_comment),
            ("GET", repo + r"/issues/(?P<n>\d+)/labels", self._issue_labels),
            ("POST", repo + r"/issues/(?P<n>\d+)/labels", self._add_labels),
            ("PUT", repo + r"/issues/(?P<n>\d+)/labels", self._set_labels),
            ("DELETE", repo + r"/issues/(?P<n>\d+)/labels/(?P<name>[^/]+)", self._remove_label),
            ("GET", repo + r"/issues/(?P<n>\d+)/events", self._list_events),
            ("GET", repo + r"/labels", self._list_labels),
            ("GET", repo + r"/labels/(?P<name>[^/]+)", self._get_label),
            ("POST", repo + r"/labels", self._create_label),
            ("GET", repo + r"/collaborators/(?P<login>[^/]+)/permission", self._permission),
            ("GET", repo + r"/pulls", self._list_pulls),
            ("POST", repo + r"/pulls", self._create_pull),
            ("GET", repo + r"/pulls/(?P<n>\d+)", self._get_pull),
            ("PATCH", repo + r"/pulls/(?P<n>\d+)", self._edit_pull),
        ]
        return [(method, re.compile(p, re.IGNORECASE), h) for method, p, h in table]

    # -- routes: people --------------------------------------------------------------------------

    def _get_me(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        if self.users[self.me.lower()]["type"] == "Bot":
            raise Refused(403, "Resource not accessible by integration")
        return _ok(self._user(self.me))

    def _get_user(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        user = self.users.get(unquote(m["login"]).lower())
        if user is None:
            raise Refused(404, "Not Found")
        return _ok(dict(user))

    def _permission(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        login = unquote(m["login"])
        role = self.permissions.get(login.lower())
        if role is None:
            raise Refused(404, "Not Found")
        permission = ROLES.get(role, "none")
        return _ok({"permission": permission, "role_name": role, "user": self._user(login)})

    # -- routes: issues and comments ---------------------------------------------------------------

    def _issue_of(self, m: re.Match[str]) -> Json:
        issue = self.issues.get(int(m["n"]))
        if issue is None:
            raise Refused(404, "Not Found")
        return issue

    def _list_issues(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        state = q.get("state", "open")
        wanted = {name.strip().lower() for name in q.get("labels", "").split(",") if name.strip()}
        found = [
            issue
            for issue in self.issues.values()
            if state in {"all", issue["state"]}
            and wanted <= {label["name"].lower() for label in issue["labels"]}
        ]
        key = {"updated": "updated_at", "comments": "comments"}.get(q.get("sort", ""), "created_at")
        found.sort(key=lambda issue: (issue[key], issue["number"]))
        if q.get("direction", "desc") == "desc":
            found.reverse()
        return self._paginate(found, q, m.group(0))

    def _get_issue(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        return _ok(self._issue_of(m))

    def _edit_issue(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        issue, b = self._issue_of(m), b if isinstance(b, dict) else {}
        for key in ("title", "body", "state"):
            if key in b:
                issue[key] = b[key]
                if issue["number"] in self.pulls:
                    self.pulls[issue["number"]][key] = b[key]
        if "labels" in b:
            issue["labels"][:] = []
            self._add_labels(m, q, b["labels"])
        issue["updated_at"] = self._now()
        return _ok(issue)

    def _list_comments(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        self._issue_of(m)
        return self._paginate(self.comments[int(m["n"])], q, m.group(0))

    def _create_comment(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        self._issue_of(m)
        body = self._body(b, "IssueComment", required=True)
        return _ok(self._add_comment(int(m["n"]), body, self._user(self.me)), 201)

    def _find_comment(self, m: re.Match[str]) -> tuple[list[Json], Json]:
        wanted = int(m["id"])
        for comments in self.comments.values():
            for comment in comments:
                if comment["id"] == wanted:
                    return comments, comment
        raise Refused(404, "Not Found")

    def _get_comment(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        return _ok(self._find_comment(m)[1])

    def _edit_comment(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        comment = self._find_comment(m)[1]
        comment["body"] = self._body(b, "IssueComment", required=True)
        comment["updated_at"] = self._now()
        return _ok(comment)

    def _delete_comment(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        comments, comment = self._find_comment(m)
        comments.remove(comment)
        return _ok(None, 204)

    @staticmethod
    def _body(b: Any, resource: str, *, required: bool) -> str:
        body = b.get("body") if isinstance(b, dict) else None
        if body is None and required:
            raise Refused(422, 'Invalid request.\n\n"body" wasn\'t supplied.')
        if body is not None and not isinstance(body, str):
            raise _invalid(resource, "body")
        if body is not None and len(body) > 65536:
            raise _invalid(
                resource, "body", "custom", "Body is too long (maximum is 65536 characters)"
            )
        return body or ""

    # -- routes: labels ----------------------------------------------------------------------------

    def _issue_labels(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        return self._paginate(self._issue_of(m)["labels"], q, m.group(0))

    def _add_labels(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        issue = self._issue_of(m)
        names = b.get("labels") if isinstance(b, dict) else b
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            raise _invalid("Label", "labels")
        for name in names:  # GitHub creates labels that do not exist yet
            self._apply_label(issue["number"], name, actor=self.me)
        return _ok(issue["labels"])

    def _set_labels(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        self._issue_of(m)["labels"][:] = []
        return self._add_labels(m, q, b)

    def _remove_label(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        labels = self._issue_of(m)["labels"]
        name = unquote(m["name"]).lower()
        found = [label for label in labels if label["name"].lower() == name]
        if not found:
            raise Refused(404, "Label does not exist")
        labels.remove(found[0])
        self._event(int(m["n"]), "unlabeled", self._user(self.me), found[0])
        return _ok(labels)

    def _list_events(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        self._issue_of(m)
        return self._paginate(self.events[int(m["n"])], q, m.group(0))

    def _list_labels(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        return self._paginate(list(self.labels.values()), q, m.group(0))

    def _get_label(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        label = self.labels.get(unquote(m["name"]).lower())
        if label is None:
            raise Refused(404, "Not Found")
        return _ok(label)

    def _create_label(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        name, color = (b or {}).get("name"), str((b or {}).get("color", "ededed")).lstrip("#")
        if not isinstance(name, str) or not name:
            raise _invalid("Label", "name", "missing_field")
        if not re.fullmatch(r"[0-9a-fA-F]{6}", color):
            raise _invalid("Label", "color")
        if name.lower() in self.labels:
            raise _invalid("Label", "name", "already_exists")
        return _ok(self._label(name, color, b.get("description")), 201)

    # -- routes: pull requests -----------------------------------------------------------------

    def _pull_of(self, m: re.Match[str]) -> Json:
        pull = self.pulls.get(int(m["n"]))
        if pull is None:
            raise Refused(404, "Not Found")
        return self._follow(pull)

    def _list_pulls(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        state = q.get("state", "open")
        found = [self._follow(p) for p in self.pulls.values() if state in {"all", p["state"]}]
        if "head" in q:
            found = [p for p in found if p["head"]["label"].lower() == q["head"].lower()]
        if "base" in q:
            found = [p for p in found if p["base"]["ref"] == q["base"]]
        found.sort(key=lambda pull: (pull["created_at"], pull["number"]))
        if q.get("direction", "desc") == "desc":
            found.reverse()
        return self._paginate(found, q, m.group(0))

    def _get_pull(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        return _ok(self._pull_of(m))

    def _create_pull(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        b = b if isinstance(b, dict) else {}
        owner = self.full_name.split("/")[0]
        for field in ("head", "base", "title"):
            if not b.get(field):
                raise _invalid("PullRequest", field, "missing_field")
        body = self._body(b, "PullRequest", required=False)
        head_owner, _, head_ref = str(b["head"]).rpartition(":")
        base_ref = str(b["base"])
        if head_owner and head_owner.lower() != owner.lower():
            raise _invalid("PullRequest", "head")  # this fake keeps no forks
        head_sha, base_sha = self._branch(head_ref), self._branch(base_ref)
        if self._has_git():
            if head_sha is None:
                raise _invalid("PullRequest", "head")
            if base_sha is None:
                raise _invalid("PullRequest", "base")
            if head_sha == base_sha:
                message = f"No commits between {base_ref} and {head_ref}"
                raise _invalid("PullRequest", "head", "custom", message)
        label = f"{owner}:{head_ref}"
        for pull in self.pulls.values():
            same = pull["head"]["label"].lower() == label.lower()
            if same and pull["state"] == "open" and pull["base"]["ref"] == base_ref:
                message = f"A pull request already exists for {label}."
                raise _invalid("PullRequest", "head", "custom", message)
        draft = bool(b.get("draft", False))
        if draft and not self.drafts_supported:
            raise Refused(422, "Draft pull requests are not supported in this repository.")
        number = next(self._numbers)
        sha = head_sha or "0" * 40
        pull = self._new_pull(
            number, b["title"], body, self.me, head_ref, sha, base_ref, False, draft
        )
        return _ok(pull, 201)

    def _edit_pull(self, m: re.Match[str], q: dict[str, str], b: Any) -> Out:
        pull, b = self._pull_of(m), b if isinstance(b, dict) else {}
        issue = self.issues[pull["number"]]
        if "body" in b:
            pull["body"] = issue["body"] = self._body(b, "PullRequest", required=False)
        for key in ("title", "state"):
            if key in b:
                pull[key] = issue[key] = b[key]
        if "base" in b:
            if self._has_git() and self._branch(b["base"]) is None:
                raise _invalid("PullRequest", "base")
            pull["base"]["ref"] = b["base"]
        pull["updated_at"] = issue["updated_at"] = self._now()
        return _ok(pull)
