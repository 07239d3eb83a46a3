"""The GitHub forge: issues, comments, labels and pull requests through PyGithub.

Requests come from the GitHub Actions event (``events`` reads the payload) or from a poll
of open issues carrying the label. Branches are pushed with ``Remote`` (the token in a header,
never in argv or a URL). Every API call has the settings' timeout and is retried on 5xx and rate
limits (``Retry-After``, ``X-RateLimit-Reset``) by ``GithubRetry``; what still fails leaves this
module as a ``CioptError`` (``ConfigError`` when the user can fix it: a token, a permission, a
repository name), never as a PyGithub or requests exception.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

import requests
from github import Auth, Github, GithubException, GithubRetry, RateLimitExceededException
from github.GithubObject import CompletableGithubObject
from github.Issue import Issue
from github.PullRequest import PullRequest
from github.Repository import Repository
from pydantic import ValidationError

from ciopt import __version__
from ciopt.config import Settings
from ciopt.errors import CioptError, ConfigError
from ciopt.forges.base import (
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
from ciopt.forges.github.events import (
    Lookup,
    Poll,
    comment,
    issue_thread,
    person,
    pull_thread,
    read_event,
)
from ciopt.forges.remote import Remote
from ciopt.git import Git

__all__ = ["GitHubForge", "client", "retry"]

API_URL = "https://api.github.com"
SERVER_URL = "https://github.com"
ACTIONS_BOT = "github-actions[bot]"  # who an installation token (GITHUB_TOKEN) comments as
TOKEN_VARIABLES = ("CIOPT_GITHUB_TOKEN", "GITHUB_TOKEN", "GH_TOKEN")
MAX_RATE_LIMIT_WAIT = 600.0  # seconds: wait for a rate limit reset up to this, else fail
BODY_LIMIT = 65536  # characters GitHub accepts in an issue, comment or pull request body
BODY_KEEP = 65000
CUT_NOTE = "\n\n... (cut: the full text is in the artifact)"
WRITE_METHODS = frozenset({"GET", "HEAD", "POST", "PATCH", "PUT", "DELETE"})
LABEL_STYLES = {  # the state labels' colour and description (``optimize:running``, ...)
    "running": ("fbca04", "ciopt is working on this request"),
    "done": ("0e8a16", "ciopt answered this request; see its comment"),
    "failed": ("d93f0b", "ciopt could not finish this request; see its comment"),
}
ASK_STYLE = ("1d76db", "Ask ciopt to speed up the code this issue names")


def retry(settings: Settings) -> GithubRetry:
    """Retries for 5xx, 429 (``Retry-After``) and 403 rate limits (until ``X-RateLimit-Reset``,
    at most ``MAX_RATE_LIMIT_WAIT``); the last answer is returned, not raised, when they run out."""
    return GithubRetry(
        total=settings.forge_retries,
        status_forcelist=[429, 500, 502, 503, 504],
        allowed_methods=WRITE_METHODS,
        backoff_factor=1.0,
        raise_on_status=False,
        max_rate_limit_wait=MAX_RATE_LIMIT_WAIT,
    )


def client(token: str, settings: Settings, *, api_url: str = API_URL) -> Github:
    """A lazy PyGithub client: objects are fetched when read, not when named."""
    return Github(
        auth=Auth.Token(token),
        base_url=api_url.rstrip("/"),
        timeout=math.ceil(settings.forge_timeout),
        user_agent=f"ciopt/{__version__}",
        retry=retry(settings),
        seconds_between_requests=0,
        seconds_between_writes=settings.forge_write_interval,
        lazy=True,
    )


class GitHubForge:
    """One GitHub repository (``owner/name``) through the client ``gh``."""

    name = "github"

    def __init__(
        self,
        gh: Github,
        full_name: str,
        *,
        token: str | None,
        server_url: str,
        push_url: str | None,
    ) -> None:
        self._gh = gh
        self.full_name = full_name
        self._token = token
        self.server_url = server_url.rstrip("/")
        self._push_url = push_url
        self._me: str | None = None
        self._labels: set[str] = set()  # repository labels known to exist (lower case)

    @classmethod
    def from_environ(cls, settings: Settings, environ: Mapping[str, str]) -> GitHubForge:
        token = next((environ[v] for v in TOKEN_VARIABLES if environ.get(v)), None)
        if token is None:
            raise ConfigError(
                "no GitHub token: pass secrets.GITHUB_TOKEN, an App installation token or a "
                "PAT as GITHUB_TOKEN (env: GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }})"
            )
        full_name = environ.get("GITHUB_REPOSITORY", "")
        if not re.fullmatch(r"[\w.-]+/[\w.-]+", full_name):
            raise ConfigError(
                f"GITHUB_REPOSITORY is {full_name!r}, not owner/name; run in GitHub Actions "
                "(which sets it) or set it to the repository, e.g. octo/textkit"
            )
        api_url = environ.get("GITHUB_API_URL") or API_URL
        return cls(
            client(token, settings, api_url=api_url),
            full_name,
            token=token,
            server_url=environ.get("GITHUB_SERVER_URL") or SERVER_URL,
            push_url=settings.push_url,
        )

    # -- requests ------------------------------------------------------------------------------

    def asks(
        self, environ: Mapping[str, str], rules: Rules, poll: int | None
    ) -> list[Ask | Ignored]:
        if poll is not None:
            return self._poll(rules, poll)
        name, payload = _load_event(environ)
        try:
            events = read_event(name, payload, rules=rules, repository=self.full_name)
        except (KeyError, TypeError, AttributeError, ValidationError) as exc:
            raise ConfigError(
                f"the {name} event payload at {environ['GITHUB_EVENT_PATH']} lacks "
                f"{exc}; is it a GitHub Actions event file?"
            ) from exc
        found: list[Ask | Ignored] = []
        for event in events:
            if isinstance(event, Poll):
                found.extend(self._poll(rules, event.count))
            elif isinstance(event, Lookup):
                found.append(event.complete(self.thread(event.number, event.kind)))
            else:
                found.append(event)
        return found

    def _poll(self, rules: Rules, count: int) -> list[Ask | Ignored]:
        found: list[Ask | Ignored] = []
        if count <= 0:
            return found
        with self._calling(f"list the open issues labeled {rules.label}", "issues: read"):
            listed = self._repo.get_issues(
                state="open", labels=[rules.label], sort="created", direction="asc"
            )
            for issue in listed:
                data = _listed(issue)
                if data.get("pull_request"):  # the issues API lists pull requests too
                    continue
                thread = issue_thread(data)
                author = self._labeler(issue, rules.label) or thread.author
                if author is None:
                    continue
                found.append(Ask(thread=thread, author=author, text=thread.body, via="poll"))
                if len(found) >= count:
                    break
        return found

    def _labeler(self, issue: Issue, label: str) -> Person | None:
        """Who added ``label`` last, from the issue's events (oldest first)."""
        actor = None
        for event in issue.get_events():
            data = _listed(event)
            name = str((data.get("label") or {}).get("name") or "")
            if data.get("event") == "labeled" and name.lower() == label.lower():
                actor = data.get("actor") or actor
        return person(actor) if actor else None

    # -- people --------------------------------------------------------------------------------

    def whoami(self) -> str:
        if self._me is None:
            with self._calling("read the token's own user"):
                try:
                    self._me = self._gh.get_user().login
                except GithubException as exc:
                    if exc.status != 403:  # an installation token may not read /user
                        raise
                    self._me = ACTIONS_BOT
        return self._me

    def access(self, person: Person, thread: Thread | None = None) -> Access:
        with self._calling(f"read @{person.login}'s permission", "contents: read"):
            try:
                permission = self._repo.get_collaborator_permission(person.login)
            except GithubException as exc:
                if exc.status != 404:  # not a collaborator, or no such user
                    raise
                return Access(allowed=False, role="none")
        # "maintain" reads as "write" here; custom roles read as their base permission
        return Access(allowed=permission in {"admin", "maintain", "write"}, role=permission)

    # -- threads -------------------------------------------------------------------------------

    def thread(self, number: int, kind: Literal["issue", "pull"] = "issue") -> Thread:
        noun = "pull request" if kind == "pull" else "issue"
        with self._calling(f"read {noun} #{number}", "issues: read"):
            if kind == "issue":
                data = self._repo.get_issue(number).raw_data
                if not data.get("pull_request"):
                    return issue_thread(data)
            return pull_thread(self._repo.get_pull(number).raw_data)

    def comments(self, thread: Thread) -> list[Comment]:
        with self._calling(f"read the comments of {_noun(thread)}", _scope(thread, "read")):
            return [comment(_listed(c)) for c in self._issue(thread).get_comments()]

    def comment(self, thread: Thread, body: str) -> Comment:
        with self._calling(f"comment on {_noun(thread)}", _scope(thread, "write")):
            return comment(_listed(self._issue(thread).create_comment(fit(body))))

    def edit_comment(self, thread: Thread, comment_id: int, body: str) -> None:
        with self._calling(f"edit comment {comment_id} on {_noun(thread)}", _scope(thread)):
            self._issue(thread).get_comment(comment_id).edit(fit(body))

    def relabel(
        self, thread: Thread, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> tuple[str, ...]:
        issue = self._issue(thread)
        with self._calling(f"label {_noun(thread)}", _scope(thread, "write")):
            have = {label.name.lower(): label.name for label in issue.get_labels()}
            adding = [n for n in dict.fromkeys(add) if n.lower() not in have]
            added = {n.lower() for n in add}
            for name in adding:
                self._ensure_label(name)
            if adding:
                issue.add_to_labels(*adding)
            for name in dict.fromkeys(remove):
                if name.lower() in have and name.lower() not in added:
                    self._unlabel(issue, have[name.lower()])
            return tuple(label.name for label in issue.get_labels())

    def _ensure_label(self, name: str) -> None:
        """Create the repository label ``name`` with its colour, unless it exists."""
        if name.lower() in self._labels:
            return
        with self._calling(f"create the label {name}", "issues: write"):
            try:
                self._repo.get_label(name).complete()
            except GithubException as exc:
                if exc.status != 404:
                    raise
                color, description = _label_style(name)
                try:
                    self._repo.create_label(name, color, description)
                except GithubException as exists:
                    if exists.status != 422:  # created by another job meanwhile
                        raise
        self._labels.add(name.lower())

    @staticmethod
    def _unlabel(issue: Issue, name: str) -> None:
        try:
            issue.remove_from_labels(name)
        except GithubException as exc:
            if exc.status != 404:  # already gone: what was asked
                raise

    # -- branches and pull requests ------------------------------------------------------------

    def link(self, thread: Thread, url: str, title: str) -> None:
        return None  # the progress comment links the pull request

    def fetch(self, repo: Git, thread: Thread) -> tuple[str, str]:
        if thread.kind != "pull":
            raise ConfigError(f"{thread.key} is an issue, not a pull request: no branch to fetch")
        base_ref = thread.base_ref or self.thread(thread.number, "pull").base_ref
        refs = [f"refs/pull/{thread.number}/head", f"refs/heads/{base_ref}"]
        head, base = self.remote().fetch_all(repo, refs)
        return head, base

    def links(self, environ: Mapping[str, str]) -> Links:
        server = (environ.get("GITHUB_SERVER_URL") or self.server_url).rstrip("/")
        full_name, run = environ.get("GITHUB_REPOSITORY"), environ.get("GITHUB_RUN_ID")
        if not (full_name and run):
            return Links()
        url = f"{server}/{full_name}/actions/runs/{run}"
        attempt = environ.get("GITHUB_RUN_ATTEMPT", "")
        job = f"{url}/attempts/{attempt}" if attempt.isdigit() and int(attempt) > 1 else url
        return Links(job=job, artifacts=f"{url}#artifacts")

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
        body = fit(body)
        with self._calling(f"open the pull request for {branch}", "pull-requests: write"):
            pull = self._open_pull(branch)
            if pull is None:
                created = self._create_pull(branch, base, title, body)
                if created is not None:
                    return Publication(
                        branch=branch, url=created.html_url, updated=False, number=created.number
                    )
                pull = self._open_pull(branch)  # another job opened it meanwhile
                if pull is None:
                    raise CioptError(
                        f"GitHub says a pull request for {branch} exists but lists none open; "
                        "close the stale one and run again",
                        reason="forge_error",
                    )
            pull.edit(title=title, body=body)
            return Publication(branch=branch, url=pull.html_url, updated=True, number=pull.number)

    def _open_pull(self, branch: str) -> PullRequest | None:
        owner = self.full_name.split("/")[0]
        return next(iter(self._repo.get_pulls(state="open", head=f"{owner}:{branch}")), None)

    def _create_pull(
        self, branch: str, base: str | None, title: str, body: str
    ) -> PullRequest | None:
        """The new draft pull request (a normal one where drafts are not supported), or None
        when one already exists for ``branch``."""
        into = base or self._repo.default_branch
        try:
            return self._repo.create_pull(into, branch, title=title, body=body, draft=True)
        except GithubException as exc:
            said = _said(exc).lower()
            if exc.status == 422 and "draft" in said:
                return self._repo.create_pull(into, branch, title=title, body=body)
            if exc.status == 422 and "already exists" in said:
                return None
            raise

    def remote(self) -> Remote:
        url = self._push_url
        if not url:
            with self._calling("read the repository's clone URL", "contents: read"):
                url = self._repo.clone_url
        return Remote(url, user="x-access-token", token=self._token)

    # -- the API boundary ----------------------------------------------------------------------

    @cached_property
    def _repo(self) -> Repository:
        return self._gh.get_repo(self.full_name)

    def _issue(self, thread: Thread) -> Issue:
        with self._calling(f"read {_noun(thread)}", "issues: read"):
            return self._repo.get_issue(thread.number)

    @contextmanager
    def _calling(self, what: str, permission: str = "contents: read") -> Iterator[None]:
        """Turn what PyGithub and requests raise while doing ``what`` into ciopt's errors."""
        try:
            yield
        except GithubException as exc:
            raise self._error(exc, what, permission) from exc
        except requests.RequestException as exc:
            raise CioptError(
                f"GitHub's API did not answer while trying to {what} "
                f"({type(exc).__name__}); check GITHUB_API_URL and the runner's network",
                reason="forge_unreachable",
            ) from exc

    def _error(self, exc: GithubException, what: str, permission: str) -> CioptError:
        said = _said(exc) or "no message"
        if isinstance(exc, RateLimitExceededException):
            return CioptError(
                f"GitHub's API rate limit was reached while trying to {what}"
                f"{_reset(exc)}; run again later",
                reason="rate_limited",
            )
        if exc.status == 401:
            return ConfigError(
                f"GitHub rejected the token (401 {said}) while trying to {what}; pass "
                "secrets.GITHUB_TOKEN, an App installation token or a valid PAT as GITHUB_TOKEN"
            )
        if exc.status == 403:
            return ConfigError(
                f"GitHub refused to {what} (403 {said}); grant the workflow "
                f"`permissions: {permission}` (or use a token that has it)"
            )
        if exc.status == 404:
            return ConfigError(
                f"GitHub found nothing to {what} in {self.full_name} (404); check "
                "GITHUB_REPOSITORY, the number, and that the token may read the repository"
            )
        return CioptError(
            f"GitHub's API answered {exc.status} ({said}) while trying to {what}",
            reason="forge_error",
        )


def fit(body: str) -> str:
    """``body`` within GitHub's limit: cut at a line's end, keeping a trailing hidden marker and
    closing no HTML comment early, with a note saying where the rest is."""
    if len(body) <= BODY_LIMIT:
        return body
    tail = ""
    marker = re.search(r"<!--(?:(?!<!--).){0,2000}?-->\s*$", body, re.DOTALL)
    if marker:
        tail, body = "\n" + marker[0].strip(), body[: marker.start()]
    kept = body[: BODY_KEEP - len(tail)]
    # end on a line: a code span showing someone's text holds no line break, so none is cut open
    kept = kept[: kept.rfind("\n") + 1] or kept
    opened = kept.rfind("<!--")
    if opened > kept.rfind("-->"):
        kept = kept[:opened]
    return kept + CUT_NOTE + tail


def _load_event(environ: Mapping[str, str]) -> tuple[str, dict[str, Any]]:
    name, path = environ.get("GITHUB_EVENT_NAME"), environ.get("GITHUB_EVENT_PATH")
    if not name or not path:
        raise ConfigError(
            "no GitHub Actions event (GITHUB_EVENT_NAME / GITHUB_EVENT_PATH are unset); run in "
            "a workflow, or pass --poll N or --request"
        )
    try:
        payload = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(
            f"cannot read the {name} event payload at {path} ({exc}); run in a GitHub "
            "Actions job, whose runner writes it"
        ) from exc
    if not isinstance(payload, dict):
        raise ConfigError(f"the {name} event payload at {path} is not a JSON object")
    return name, payload


def _listed(obj: CompletableGithubObject) -> dict[str, Any]:
    """The JSON the API answered for ``obj``. A listed or created object is complete as it is;
    ``raw_data`` would fetch it again."""
    data: dict[str, Any] = super(CompletableGithubObject, obj).raw_data
    return data


def _noun(thread: Thread) -> str:
    return f"{'pull request' if thread.kind == 'pull' else 'issue'} #{thread.number}"


def _scope(thread: Thread, access: str = "write") -> str:
    return f"{'pull-requests' if thread.kind == 'pull' else 'issues'}: {access}"


def _label_style(name: str) -> tuple[str, str]:
    base, _, state = name.rpartition(":")
    return LABEL_STYLES[state] if base and state in LABEL_STYLES else ASK_STYLE


def _said(exc: GithubException) -> str:
    """GitHub's message, with the ``errors`` details of a 422."""
    data = exc.data
    if not isinstance(data, dict):
        return str(data or "")
    parts = [str(data.get("message") or "")]
    for error in data.get("errors") or ():
        found = error.get("message") or error.get("code") if isinstance(error, dict) else error
        parts.append(str(found or ""))
    return "; ".join(p for p in parts if p)


def _reset(exc: GithubException) -> str:
    headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
    value = str(headers.get("x-ratelimit-reset", ""))
    if not value.isdigit():
        return ""
    return f" (it resets at {datetime.fromtimestamp(int(value), UTC):%H:%M} UTC)"
