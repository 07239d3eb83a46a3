"""A stateful fake of GitLab's REST API (v4) for python-gitlab, served through ``responses``.

Usage::

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitLab(rsps, clone_url=str(bare_repo))
        fake.user("alice", access_level=30)
        iid = fake.issue("Speed up dedupe", body, author="alice")
        hook = fake.issue_hook(iid, sender="alice", previous=[], current=["optimize"])
        env = fake.ci_env("trigger", tmp_path, hook)  # GitLab CI's variables for the job

One project (``project_id``, ``path``) on the server ``url``; its API is ``api_url``. The state
is plain JSON, exactly what the API returns, and tests read and change it directly:

- ``issues`` / ``merge_requests``: iid -> issue / merge request (``iid``, ``title``,
  ``description``, ``state`` "opened", ``labels`` as names, ``author`` {id, username, name},
  ``web_url``, ``created_at``; merge requests add ``source_branch``, ``target_branch``,
  ``source_project_id``, ``target_project_id``, ``sha``, ``draft``). Issue iids count from 1 and
  merge request iids from 3, so a test that mixes an issue up with a merge request fails.
- ``notes``: ("issue" | "mr", iid) -> notes, oldest first (``id``, ``body``, ``author``,
  ``system``, ``created_at``, ``noteable_type``, ``noteable_iid``).
- ``label_events``: ("issue" | "mr", iid) -> resource label events (``user``, ``label`` {name},
  ``action`` "add" | "remove"), oldest first.
- ``users`` (username -> user) and ``members`` (username -> access level, inherited ones
  included); ``me`` is the token's user, a project bot (Developer) that writes every note.
  ``token`` is the project access token the API accepts; ``job_token`` (``CI_JOB_TOKEN``) is not.
- ``labels``: name -> the project's labels, created on first use.
- ``calls``: every request as ``(method, path, body)``: the path as sent (``/api/v4/...``, the
  project's path url-encoded, no query), the parsed JSON or form body, or None.

Routes, as python-gitlab calls them: ``GET /user``, ``GET /users?username=``; under
``/projects/:id`` (the numeric id or the url-encoded path; anything else is 404): the project,
``members/all/:user_id``, ``issues`` (list, get, update), ``merge_requests`` (list, get, create,
update), ``{issues|merge_requests}/:iid/notes`` (list, get, create, update) and
``.../resource_label_events``. Lists filter (``state``, ``labels``, ``source_branch``,
``target_branch``, ``iids[]``), sort (``order_by``, ``sort``; newest first by default) and paginate
(``page``, ``per_page``, ``Link``/``X-*`` headers) like GitLab.

Behaviour: a request without the project token in ``PRIVATE-TOKEN`` gets 401; an unknown object
404; a member lookup of a non-member 404. ``labels``, ``add_labels`` and ``remove_labels`` change
labels (creating unknown ones) and record label events by ``me``. A title starting ``Draft:``
makes ``draft`` true. Creating a second open merge request from one source branch is 409, one
whose source branch is missing from ``clone_url`` (a local bare repository) 422, a note without a
body 400, editing another person's note 403. Merge requests get ``refs/merge-requests/<iid>/head``
in ``clone_url`` when their commit is there, and follow their source branch there (``sha``), as
GitLab's do. ``fail()`` makes the next matching requests answer an error (429 with
``Retry-After``, 502, ...), recorded in ``calls`` like the others.

Webhooks (``issue_hook``, ``note_hook``) have the documented shape (``object_kind``,
``event_type``, ``user``, ``project``, ``object_attributes``, ``changes``, ``issue`` /
``merge_request`` with ``last_commit``), with webhook-style times (``2026-01-02 11:00:00 UTC``).
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import responses
from requests import PreparedRequest

__all__ = ["FakeGitLab"]

JSON = dict[str, Any]
Reply = tuple[int, JSON | list[JSON]] | tuple[int, JSON | list[JSON], dict[str, str]]  # + headers
KINDS = {"issue": "issues", "mr": "merge_requests"}
NOTEABLE = {"issue": "Issue", "mr": "MergeRequest"}


THREAD = r"projects/([^/]+)/(issues|merge_requests)/(\d+)"
ROUTES = [  # (method, path under /api/v4/ as sent, handler); groups are the call's args
    ("GET", r"user", "_me"),
    ("GET", r"users", "_users"),
    ("GET", r"projects/([^/]+)", "_get_project"),
    ("GET", r"projects/([^/]+)/members/all/(\d+)", "_member"),
    ("GET", r"projects/([^/]+)/(issues|merge_requests)", "_list"),
    ("POST", r"projects/([^/]+)/merge_requests", "_create_mr"),
    ("GET", THREAD, "_get_thread"),
    ("PUT", THREAD, "_update"),
    ("GET", THREAD + r"/resource_label_events", "_label_events"),
    ("GET", THREAD + r"/notes", "_list_notes"),
    ("POST", THREAD + r"/notes", "_create_note"),
    ("GET", THREAD + r"/notes/(\d+)", "_get_note"),
    ("PUT", THREAD + r"/notes/(\d+)", "_update_note"),
]


@dataclass
class _Call:
    url: str  # without the query
    query: dict[str, list[str]]
    body: JSON
    args: list[str] = field(default_factory=list)

    def arg(self, name: str, default: str = "") -> str:
        return self.query.get(name, [default])[0]


class _Answer(Exception):
    """An early reply from deep in a handler (404, 400, ...)."""

    def __init__(self, status: int, payload: JSON) -> None:
        super().__init__(status)
        self.status, self.payload = status, payload


@dataclass
class _Failure:
    method: str
    path: re.Pattern[str]
    status: int
    headers: dict[str, str]
    body: JSON | list[JSON]
    times: int


class FakeGitLab:
    first_mr_iid = 1

    def __init__(
        self,
        rsps: responses.RequestsMock,
        *,
        path: str = "group/textkit",
        project_id: int = 42,
        clone_url: str,
        url: str = "https://gitlab.example.com",
        default_branch: str = "main",
        me: str = "project_42_bot_1a2b",
    ) -> None:
        self.url = url.rstrip("/")
        self.api_url = self.url + "/api/v4"
        self.path = path
        self.project_id = project_id
        self.clone_url = clone_url
        self.default_branch = default_branch
        self.token = "glpat-FakeProjectToken0042"
        self.job_token = "glcbt-64_FakeCiJobTokenNotForTheApi"
        self.issues: dict[int, JSON] = {}
        self.merge_requests: dict[int, JSON] = {}
        self.notes: dict[tuple[str, int], list[JSON]] = {}
        self.label_events: dict[tuple[str, int], list[JSON]] = {}
        self.labels: dict[str, JSON] = {}
        self.users: dict[str, JSON] = {}
        self.members: dict[str, int] = {}
        self.calls: list[tuple[str, str, object]] = []
        self._failures: list[_Failure] = []
        self._ids = itertools.count(1001)
        self._clock = datetime.now(UTC)
        self._payloads = itertools.count(1)
        self.me = self.user(me, access_level=30, bot=True)["username"]
        pattern = re.compile(re.escape(self.url) + r"/.*")
        for method in ("GET", "POST", "PUT", "DELETE"):
            rsps.add_callback(method, pattern, callback=self._serve, content_type=None)

    # -- state, as a test sets it up ---------------------------------------------------------------

    def user(self, username: str, *, access_level: int = 30, bot: bool = False) -> JSON:
        """A user (created once), a member with ``access_level`` (0: not a member)."""
        if username not in self.users:
            self.users[username] = {
                "id": next(self._ids),
                "username": username,
                "name": username.replace("_", " ").title(),
                "state": "active",
                "locked": False,
                "avatar_url": None,
                "web_url": f"{self.url}/{username}",
            }
        self.users[username]["bot"] = bot
        if access_level:
            self.members[username] = access_level
        else:
            self.members.pop(username, None)
        return self.users[username]

    def issue(
        self, title: str, description: str, *, author: str, labels: Sequence[str] = ()
    ) -> int:
        iid = max(self.issues, default=0) + 1
        self.issues[iid] = {
            **self._thing(author, title, description),
            "iid": iid,
            "type": "ISSUE",
            "issue_type": "issue",
            "web_url": f"{self.url}/{self.path}/-/issues/{iid}",
            "closed_at": None,
        }
        self.notes[("issue", iid)] = []
        self.label_events[("issue", iid)] = []
        self._relabel("issue", iid, self._basic(author), add=labels)
        return iid

    def merge_request(
        self,
        title: str,
        description: str,
        *,
        author: str,
        source_branch: str,
        sha: str,
        target_branch: str = "main",
        fork: bool = False,
    ) -> int:
        iid = max(self.merge_requests, default=self.first_mr_iid - 1) + 1
        self.merge_requests[iid] = {
            **self._thing(author, title, description),
            "iid": iid,
            "source_branch": source_branch,
            "target_branch": target_branch,
            "source_project_id": self.project_id + 1000 if fork else self.project_id,
            "target_project_id": self.project_id,
            "sha": sha,
            "draft": _draft(title),
            "work_in_progress": _draft(title),
            "merge_status": "can_be_merged",
            "force_remove_source_branch": False,
            "web_url": f"{self.url}/{self.path}/-/merge_requests/{iid}",
        }
        self.notes[("mr", iid)] = []
        self.label_events[("mr", iid)] = []
        self._git("update-ref", f"refs/merge-requests/{iid}/head", sha)
        return iid

    def add_note(
        self, kind: str, iid: int, body: str, *, author: str, system: bool = False
    ) -> JSON:
        """A note on issue (``kind="issue"``) or merge request (``"mr"``) ``iid``."""
        thread = self._thread(kind, iid)
        now = self._now()
        note = {
            "id": next(self._ids),
            "type": None,
            "body": body,
            "author": self._basic(author),
            "created_at": now,
            "updated_at": now,
            "system": system,
            "noteable_id": thread["id"],
            "noteable_type": NOTEABLE[kind],
            "noteable_iid": iid,
            "project_id": self.project_id,
            "resolvable": False,
            "confidential": False,
            "internal": False,
        }
        self.notes[(kind, iid)].append(note)
        if not system:
            thread["user_notes_count"] += 1
        return note

    def label_event(
        self, iid: int, label: str, *, actor: str, action: str = "add", kind: str = "issue"
    ) -> None:
        """``actor`` adds (or removes) ``label`` on the issue: the labels and the event."""
        labels = self._thread(kind, iid)["labels"]
        if action == "add" and label not in labels:
            labels.append(label)
        if action == "remove" and label in labels:
            labels.remove(label)
        self._event(kind, iid, self._basic(actor), label, action)

    def fail(
        self,
        method: str,
        path: str,
        status: int,
        *,
        headers: dict[str, str] | None = None,
        body: JSON | list[JSON] | None = None,
        times: int = 1,
    ) -> None:
        """The next ``times`` requests of ``method`` whose path ``re.search``es ``path`` answer
        ``status`` (with ``headers`` and ``body``) instead of being served: an error, or even a
        stale answer (``200`` with ``body=[]``)."""
        reason = {429: "Too Many Requests", 502: "Bad Gateway", 503: "Service Unavailable"}
        message = {"message": f"{status} {reason.get(status, 'Error')}"} if body is None else body
        failure = _Failure(method.upper(), re.compile(path), status, headers or {}, message, times)
        self._failures.append(failure)

    # -- webhook payloads and CI variables, as GitLab sends them -----------------------------------

    def issue_hook(
        self, iid: int, *, sender: str, previous: Sequence[str], current: Sequence[str]
    ) -> JSON:
        """The issue event after ``sender`` changed the labels from ``previous`` to ``current``
        (the issue takes ``current``)."""
        issue = self.issues[iid]
        gone = [lb for lb in issue["labels"] if lb not in current]
        added = [lb for lb in current if lb not in issue["labels"]]
        before = issue["updated_at"]
        self._relabel("issue", iid, self._basic(sender), add=added, remove=gone)
        issue["updated_at"] = self._now()
        attributes = {
            key: issue[key]
            for key in ("id", "iid", "title", "description", "state", "created_at", "updated_at")
        }
        attributes |= {
            "author_id": issue["author"]["id"],
            "project_id": self.project_id,
            "action": "update",
            "url": issue["web_url"],
            "labels": self._label_objects(current),
        }
        return {
            **self._hook_head("issue", sender),
            "object_attributes": attributes,
            "labels": self._label_objects(current),
            "changes": {
                "updated_at": {
                    "previous": _hook_time(before),
                    "current": _hook_time(issue["updated_at"]),
                },
                "labels": {
                    "previous": self._label_objects(previous),
                    "current": self._label_objects(current),
                },
            },
        }

    def note_hook(self, note: JSON, kind: str, iid: int, *, action: str = "create") -> JSON:
        """The comment event for ``note`` on issue or merge request ``iid``."""
        thread = self._thread(kind, iid)
        attributes = {key: note[key] for key in ("id", "noteable_type", "system", "type")}
        attributes |= {
            "created_at": _hook_time(note["created_at"]),
            "updated_at": _hook_time(note["updated_at"]),
            "note": note["body"],
            "author_id": note["author"]["id"],
            "project_id": self.project_id,
            "noteable_id": thread["id"],
            "commit_id": "",
            "line_code": None,
            "action": action,
            "url": f"{thread['web_url']}#note_{note['id']}",
        }
        target = {
            key: thread[key]
            for key in ("id", "iid", "title", "description", "state", "created_at", "updated_at")
        }
        target |= {
            "author_id": thread["author"]["id"],
            "project_id": self.project_id,
            "labels": self._label_objects(thread["labels"]),
        }
        if kind == "mr":
            for key in ("source_branch", "target_branch", "source_project_id"):
                target[key] = thread[key]
            for key in ("target_project_id", "draft", "work_in_progress"):
                target[key] = thread[key]
            target["url"] = thread["web_url"]
            target["last_commit"] = self._commit(thread["sha"])
        hook = {
            **self._hook_head("note", note["author"]["username"]),
            "project_id": self.project_id,
            "object_attributes": attributes,
        }
        hook["merge_request" if kind == "mr" else "issue"] = target
        return hook

    def ci_env(
        self, source: str, tmp_path: Path, payload: JSON | None = None, **variables: str
    ) -> dict[str, str]:
        """GitLab CI's predefined variables for a job of a ``source`` pipeline; ``payload`` goes
        to a file named by ``TRIGGER_PAYLOAD`` (a file variable); ``variables`` are added."""
        job = "7001"
        env = {
            "CI": "true",
            "GITLAB_CI": "true",
            "CI_PIPELINE_SOURCE": source,
            "CI_SERVER_URL": self.url,
            "CI_API_V4_URL": self.api_url,
            "CI_PROJECT_ID": str(self.project_id),
            "CI_PROJECT_PATH": self.path,
            "CI_PROJECT_URL": f"{self.url}/{self.path}",
            "CI_DEFAULT_BRANCH": self.default_branch,
            "CI_JOB_ID": job,
            "CI_JOB_URL": f"{self.url}/{self.path}/-/jobs/{job}",
            "CI_PIPELINE_ID": "5001",
            "GITLAB_TOKEN": self.token,
            "CI_JOB_TOKEN": self.job_token,
        }
        if payload is not None:
            file = tmp_path / f"TRIGGER_PAYLOAD.{next(self._payloads)}.json"
            file.write_text(json.dumps(payload), encoding="utf-8")
            env["TRIGGER_PAYLOAD"] = str(file)
        return env | variables

    # -- serving -----------------------------------------------------------------------------------

    def _serve(self, request: PreparedRequest) -> tuple[int, dict[str, str], str]:
        split = urlsplit(str(request.url))
        method, path = str(request.method), split.path
        body = _body(request)
        self.calls.append((method, path, body))
        for failure in self._failures:
            if failure.times > 0 and failure.method == method and failure.path.search(path):
                failure.times -= 1
                return _json(failure.status, failure.body, failure.headers)
        if request.headers.get("PRIVATE-TOKEN") != self.token:
            return _json(401, {"message": "401 Unauthorized"})
        query = {k.removesuffix("[]"): v for k, v in parse_qs(split.query).items()}
        origin = f"{split.scheme}://{split.netloc}"
        call = _Call(origin + path, query, body if isinstance(body, dict) else {})
        relative = path.removeprefix(urlsplit(self.api_url).path + "/")
        try:
            for verb, pattern, name in ROUTES:
                matched = re.fullmatch(pattern, relative)
                if matched and verb == method:
                    call.args = [unquote(a) for a in matched.groups()]
                    return _json(*getattr(self, name)(call))
            allowed = any(re.fullmatch(pattern, relative) for _, pattern, _ in ROUTES)
            if allowed:
                raise _Answer(405, {"error": "405 Method Not Allowed"})
            raise _Answer(404, {"error": "404 Not Found"})
        except _Answer as answer:
            return _json(answer.status, answer.payload)

    def _me(self, call: _Call) -> Reply:
        return 200, {**self.users[self.me], "bot": True, "email": f"{self.me}@noreply"}

    def _users(self, call: _Call) -> Reply:
        wanted = call.arg("username").lower()
        return 200, [u for u in self.users.values() if u["username"].lower() == wanted]

    def _get_project(self, call: _Call) -> Reply:
        self._project_of(call)
        name = self.path.rsplit("/", 1)[-1]
        return 200, {
            "id": self.project_id,
            "name": name,
            "path": name,
            "path_with_namespace": self.path,
            "default_branch": self.default_branch,
            "visibility": "private",
            "web_url": f"{self.url}/{self.path}",
            "http_url_to_repo": self.clone_url,
            "ssh_url_to_repo": f"git@{urlsplit(self.url).hostname}:{self.path}.git",
        }

    def _member(self, call: _Call) -> Reply:
        self._project_of(call)
        user = next((u for u in self.users.values() if str(u["id"]) == call.args[1]), None)
        if user is None or user["username"] not in self.members:
            raise _Answer(404, {"message": "404 Not found"})
        level = self.members[user["username"]]
        return 200, {**user, "access_level": level, "expires_at": None, "state": "active"}

    def _list(self, call: _Call) -> Reply:
        kind = self._kind_of(call)
        items = list((self.issues if kind == "issue" else self.merge_requests).values())
        state = call.arg("state", "all")
        if state != "all":
            items = [t for t in items if t["state"] == state]
        for key in ("source_branch", "target_branch"):
            if key in call.query:
                items = [t for t in items if t.get(key) == call.arg(key)]
        if "labels" in call.query:
            wanted = _names(call.arg("labels"))
            items = [t for t in items if all(lb in t["labels"] for lb in wanted)]
        if "iids" in call.query:
            items = [t for t in items if str(t["iid"]) in call.query["iids"]]
        return self._page(_sorted([self._synced(t) for t in items], call), call)

    def _get_thread(self, call: _Call) -> Reply:
        return 200, self._synced(self._thread(*self._thread_of(call)))

    def _update(self, call: _Call) -> Reply:
        kind, iid = self._thread_of(call)
        thread, body = self._thread(kind, iid), call.body
        for key in ("title", "description", "target_branch"):
            if key in body and (key != "target_branch" or kind == "mr"):
                thread[key] = body[key]
        if kind == "mr":
            thread["draft"] = thread["work_in_progress"] = _draft(thread["title"])
            if "remove_source_branch" in body:
                thread["force_remove_source_branch"] = bool(body["remove_source_branch"])
        if body.get("state_event") in ("close", "reopen"):
            thread["state"] = "closed" if body["state_event"] == "close" else "opened"
        add, remove = _names(body.get("add_labels")), _names(body.get("remove_labels"))
        if "labels" in body:
            wanted = _names(body["labels"])
            add += [lb for lb in wanted if lb not in thread["labels"]]
            remove += [lb for lb in thread["labels"] if lb not in wanted]
        self._relabel(kind, iid, self._basic(self.me), add=add, remove=remove)
        thread["updated_at"] = self._now()
        return 200, self._synced(thread)

    def _create_mr(self, call: _Call) -> Reply:
        self._project_of(call)
        body = call.body
        for key in ("source_branch", "target_branch", "title"):
            if not body.get(key):
                raise _Answer(400, {"error": f"{key} is missing"})
        source, target = str(body["source_branch"]), str(body["target_branch"])
        for mr in self.merge_requests.values():
            if mr["state"] == "opened" and mr["source_branch"] == source:
                said = "Another open merge request already exists for this source branch"
                said += f": !{mr['iid']}"
                raise _Answer(409, {"message": [said]})
        if source == target:
            raise _Answer(
                422, {"message": ["You can't use same project/branch for source and target"]}
            )
        sha = self._git("rev-parse", "--verify", f"refs/heads/{source}^{{commit}}")
        if sha is None and Path(self.clone_url).is_dir():
            raise _Answer(422, {"message": [f'Source branch "{source}" does not exist']})
        iid = self.merge_request(
            str(body["title"]),
            str(body.get("description") or ""),
            author=self.me,
            source_branch=source,
            sha=sha or "0" * 40,
            target_branch=target,
        )
        mr = self.merge_requests[iid]
        mr["force_remove_source_branch"] = bool(body.get("remove_source_branch"))
        self._relabel("mr", iid, self._basic(self.me), add=_names(body.get("labels")))
        return 201, mr

    def _label_events(self, call: _Call) -> Reply:
        return self._page(self.label_events[self._thread_of(call)], call)

    def _list_notes(self, call: _Call) -> Reply:
        return self._page(_sorted(self.notes[self._thread_of(call)], call), call)

    def _create_note(self, call: _Call) -> Reply:
        kind, iid = self._thread_of(call)
        return 201, self.add_note(kind, iid, _note_body(call), author=self.me)

    def _get_note(self, call: _Call) -> Reply:
        return 200, self._note_of(call)

    def _update_note(self, call: _Call) -> Reply:
        note = self._note_of(call)
        if note["author"]["username"] != self.me:
            raise _Answer(403, {"message": "403 Forbidden"})
        note["body"], note["updated_at"] = _note_body(call), self._now()
        return 200, note

    # -- reading a call ----------------------------------------------------------------------------

    def _project_of(self, call: _Call) -> None:
        if call.args[0] not in (str(self.project_id), self.path):
            raise _Answer(404, {"message": "404 Project Not Found"})

    def _kind_of(self, call: _Call) -> str:
        self._project_of(call)
        return "issue" if call.args[1] == "issues" else "mr"

    def _thread_of(self, call: _Call) -> tuple[str, int]:
        kind, iid = self._kind_of(call), int(call.args[2])
        if iid not in (self.issues if kind == "issue" else self.merge_requests):
            raise _Answer(404, {"message": "404 Not found"})
        return kind, iid

    def _note_of(self, call: _Call) -> JSON:
        notes = self.notes[self._thread_of(call)]
        note = next((n for n in notes if str(n["id"]) == call.args[3]), None)
        if note is None:
            raise _Answer(404, {"message": "404 Note Not Found"})
        return note

    def _page(self, items: list[JSON], call: _Call) -> Reply:
        per_page = min(int(call.arg("per_page", "20")), 100)
        page = max(int(call.arg("page", "1")), 1)
        pages = max(1, -(-len(items) // per_page))
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per_page),
            "X-Total": str(len(items)),
            "X-Total-Pages": str(pages),
            "X-Prev-Page": str(page - 1) if page > 1 else "",
            "X-Next-Page": str(page + 1) if page < pages else "",
        }
        if page < pages:
            params = {k: v[0] for k, v in call.query.items() if k not in ("page", "per_page")}
            params |= {"page": str(page + 1), "per_page": str(per_page)}
            headers["Link"] = f'<{call.url}?{urlencode(params)}>; rel="next"'
        return 200, items[(page - 1) * per_page : page * per_page], headers

    # -- helpers -----------------------------------------------------------------------------------

    def _synced(self, thread: JSON) -> JSON:
        """A merge request follows its source branch in ``clone_url``, as GitLab's does when
        someone pushes: ``sha`` and ``refs/merge-requests/<iid>/head`` move with it."""
        if "source_branch" not in thread or thread["source_project_id"] != self.project_id:
            return thread
        sha = self._git("rev-parse", "--verify", f"refs/heads/{thread['source_branch']}^{{commit}}")
        if sha and sha != thread["sha"]:
            thread["sha"] = sha
            self._git("update-ref", f"refs/merge-requests/{thread['iid']}/head", sha)
        return thread

    def _thread(self, kind: str, iid: int) -> JSON:
        store = self.issues if kind == "issue" else self.merge_requests
        if kind not in KINDS or iid not in store:
            raise KeyError(f"no {kind} with iid {iid} in the fake")
        return store[iid]

    def _thing(self, author: str, title: str, description: str) -> JSON:
        now = self._now()
        return {
            "id": next(self._ids),
            "project_id": self.project_id,
            "title": title,
            "description": description,
            "state": "opened",
            "created_at": now,
            "updated_at": now,
            "labels": [],
            "author": self._basic(author),
            "assignees": [],
            "user_notes_count": 0,
        }

    def _basic(self, username: str) -> JSON:
        """The user as the API embeds one (``author``, ``user``); an unknown name is created as
        a person who is not a member."""
        if username not in self.users:
            self.user(username, access_level=0)
        user = self.users[username]
        return {k: user[k] for k in ("id", "username", "name", "state", "avatar_url", "web_url")}

    def _relabel(
        self,
        kind: str,
        iid: int,
        actor: JSON,
        *,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
    ) -> None:
        """GitLab's order: the added labels join, then the removed ones leave; each change is a
        label event by ``actor``."""
        thread = self._thread(kind, iid)
        before = list(thread["labels"])
        after = [*before, *(lb for lb in dict.fromkeys(add) if lb not in before)]
        thread["labels"] = [lb for lb in after if lb not in remove]
        for name in thread["labels"]:
            if name not in before:
                self._event(kind, iid, actor, name, "add")
        for name in before:
            if name not in thread["labels"]:
                self._event(kind, iid, actor, name, "remove")

    def _event(self, kind: str, iid: int, actor: JSON, label: str, action: str) -> None:
        self.label_events[(kind, iid)].append(
            {
                "id": next(self._ids),
                "user": actor,
                "created_at": self._now(),
                "resource_type": NOTEABLE[kind],
                "resource_id": self._thread(kind, iid)["id"],
                "label": self._label(label),
                "action": action,
            }
        )

    def _label(self, name: str) -> JSON:
        if name not in self.labels:
            self.labels[name] = {
                "id": next(self._ids),
                "name": name,
                "color": "#6699cc",
                "description": None,
            }
        return self.labels[name]

    def _label_objects(self, names: Sequence[str]) -> list[JSON]:
        """Labels as webhooks carry them: objects with a ``title``."""
        return [
            {
                "id": self._label(n)["id"],
                "title": n,
                "color": "#6699cc",
                "project_id": self.project_id,
                "type": "ProjectLabel",
                "group_id": None,
            }
            for n in names
        ]

    def _commit(self, sha: str) -> JSON:
        """A commit as webhooks describe one, read from ``clone_url`` when it is there."""
        shown = self._git("show", "-s", "--format=%B%x00%an%x00%ae%x00%aI", sha) or "\0\0\0"
        message, name, email, when = shown.split("\0")
        return {
            "id": sha,
            "message": message,
            "title": message.split("\n", 1)[0],
            "timestamp": when,
            "url": f"{self.url}/{self.path}/-/commit/{sha}",
            "author": {"name": name, "email": email},
        }

    def _hook_head(self, kind: str, sender: str) -> JSON:
        user = self._basic(sender)
        return {
            "object_kind": kind,
            "event_type": kind,
            "user": {k: user[k] for k in ("id", "name", "username", "avatar_url")},
            "project": {
                "id": self.project_id,
                "name": self.path.rsplit("/", 1)[-1],
                "web_url": f"{self.url}/{self.path}",
                "path_with_namespace": self.path,
                "default_branch": self.default_branch,
                "git_http_url": f"{self.url}/{self.path}.git",
            },
        }

    def _now(self) -> str:
        """Now, strictly later than any earlier time the fake gave out."""
        self._clock = max(datetime.now(UTC), self._clock + timedelta(milliseconds=1))
        return self._clock.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _git(self, *args: str) -> str | None:
        """Run git in ``clone_url`` when it is a local repository; its output, or None."""
        if not Path(self.clone_url).is_dir():
            return None
        done = subprocess.run(
            ["git", "--git-dir", self.clone_url, *args], capture_output=True, text=True, check=False
        )
        return done.stdout.strip() if done.returncode == 0 else None


def _json(
    status: int, payload: object, headers: Mapping[str, str] | None = None
) -> tuple[int, dict[str, str], str]:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(payload)


def _body(request: PreparedRequest) -> object:
    raw = request.body
    if not raw:
        return None
    text = raw.decode() if isinstance(raw, bytes) else str(raw)
    try:
        return json.loads(text)
    except ValueError:
        return {k: v[0] for k, v in parse_qs(text).items()}


def _sorted(items: Sequence[JSON], call: _Call) -> list[JSON]:
    """GitLab's default order: newest first (``order_by=created_at``, ``sort=desc``)."""
    key, ascending = call.arg("order_by", "created_at"), call.arg("sort", "desc") == "asc"
    return sorted(items, key=lambda t: (str(t.get(key, "")), t["id"]), reverse=not ascending)


def _hook_time(api_time: str) -> str:
    """Webhooks write times as ``2026-01-02 11:00:00 UTC`` where the API writes ISO 8601."""
    return datetime.fromisoformat(api_time.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M:%S UTC")


def _note_body(call: _Call) -> str:
    body = str(call.body.get("body") or "")
    if not body.strip():
        raise _Answer(400, {"error": "body is missing"})
    return body


def _names(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [str(v).strip() for v in value if str(v).strip()]


def _draft(title: str) -> bool:
    """GitLab's draft prefixes: ``Draft:``, ``[Draft]``, ``(Draft)``, ``Draft -``."""
    return bool(re.match(r"\s*(\[draft\]|\(draft\)|draft:|draft\s+-)", title, re.IGNORECASE))
