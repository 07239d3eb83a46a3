"""The forge interface: where requests come from and where results are published for review.

A forge backend (``github``, ``gitlab``, ``jira``, ``local``, ``none``) implements ``Forge``. The
models below are what crosses the boundary: backends turn API objects and webhook payloads into
them, and the rest of ciopt never sees PyGithub, python-gitlab or jira objects. Comment bodies
cross it as Markdown: a forge that speaks another markup (Jira's) converts them both ways.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal, Protocol

from pydantic import BaseModel, ConfigDict

from ciopt.errors import ConfigError
from ciopt.forges.remote import Remote
from ciopt.git import Git

__all__ = [
    "MARKER",
    "Access",
    "Ask",
    "Comment",
    "Forge",
    "Ignored",
    "Links",
    "Person",
    "Publication",
    "Rules",
    "Thread",
    "unsupported",
]

# Every comment ciopt writes carries this hidden marker, so it never answers itself.
MARKER = "<!-- ciopt"
BOT_LOGIN = re.compile(r".*\[bot\]$|(project|group)_\d+_bot(_\w+)?$", re.IGNORECASE)


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class Person(_Model):
    """A forge account: GitHub login or GitLab username (with its numeric id when known)."""

    login: str
    id: int | None = None
    bot: bool = False

    @property
    def is_bot(self) -> bool:
        return self.bot or bool(BOT_LOGIN.match(self.login))


class Thread(_Model):
    """An issue, or a pull/merge request (``kind="pull"``), on a forge.

    ``number`` is GitHub's issue/PR number, GitLab's ``iid`` or a Jira issue's id; ``slug`` is
    the key of a thread its forge names otherwise than by a number (``jira-PROJ-12``).
    """

    number: int
    kind: Literal["issue", "pull"] = "issue"
    title: str = ""
    body: str = ""
    url: str = ""
    labels: tuple[str, ...] = ()
    author: Person | None = None
    # pull/merge requests only
    head_ref: str | None = None  # the branch the PR/MR is made from
    head_sha: str | None = None
    base_ref: str | None = None  # the branch it goes into
    fork: bool = False  # its head lives in another repository (ciopt cannot push there)
    slug: str | None = None

    @property
    def key(self) -> str:
        """``issue-<n>``, ``pr-<n>`` or the slug: the deterministic branch is ``ciopt/<key>``."""
        return self.slug or f"{'pr' if self.kind == 'pull' else 'issue'}-{self.number}"


class Comment(_Model):
    id: int
    body: str
    author: Person
    url: str = ""
    created_at: datetime | None = None


class Access(_Model):
    """What a person may do in the repository; only ``allowed`` people start runs."""

    allowed: bool
    role: str  # as the forge names it: "admin", "write", "read", "none"; "Developer (30)", ...
    # who may, in Markdown, where it is not write access to the repository (Jira: members of
    # a group or project role)
    needed: str = ""


class Ask(_Model):
    """Someone asking ciopt to run: read from an event, or found by polling.

    ``text`` is the request (the issue body, or the comment); ``thread`` is None for a
    request that came with no issue (``workflow_dispatch`` or a GitLab ``api``/``web`` pipeline
    given only the request text).
    """

    thread: Thread | None
    author: Person
    text: str
    via: Literal["label", "comment", "dispatch", "poll"]
    comment: Comment | None = None  # the comment that asked, for via="comment"


class Ignored(_Model):
    """An event that is not a request: why, as a machine word and a sentence."""

    reason: str  # not_triggered, edited, own_comment, bot, wrong_label, unsupported_event, ...
    message: str


class Rules(_Model):
    """What makes an event a request (settings ``label``, ``trigger_phrase``, ``allowed_bots``)."""

    label: str = "optimize"
    phrase: str = "/optimize"
    allowed_bots: tuple[str, ...] = ()
    me: str = ""  # ciopt's own login on the forge, when known


class Links(_Model):
    """Where a person finds this CI job and its artifact."""

    job: str | None = None
    artifacts: str | None = None


class Publication(_Model):
    branch: str
    url: str
    updated: bool  # an earlier run's branch/PR was updated rather than created
    number: int | None = None  # the PR/MR number (iid), on hosted forges


class Forge(Protocol):
    """One forge. Hosted forges implement every method; ``local`` and ``none`` only publish and
    answer the rest with ``unsupported`` (a ``ConfigError`` that says to pass ``--request``)."""

    name: str

    def asks(
        self, environ: Mapping[str, str], rules: Rules, poll: int | None
    ) -> list[Ask | Ignored]:
        """The requests in the CI event that started this job (``poll=None``), or up to ``poll``
        open requests found through the API, oldest first."""
        ...

    def whoami(self) -> str:
        """ciopt's own login on the forge (its comments are never requests)."""
        ...

    def access(self, person: Person, thread: Thread | None = None) -> Access:
        """What ``person`` may do where ``thread`` lives (the repository; a Jira issue's
        project)."""
        ...

    def thread(self, number: int, kind: Literal["issue", "pull"] = "issue") -> Thread: ...

    def comments(self, thread: Thread) -> list[Comment]:
        """Every comment on the thread, oldest first."""
        ...

    def comment(self, thread: Thread, body: str) -> Comment: ...

    def edit_comment(self, thread: Thread, comment_id: int, body: str) -> None: ...

    def relabel(
        self, thread: Thread, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> tuple[str, ...]:
        """Add and remove labels (missing ones are created); returns the thread's labels."""
        ...

    def link(self, thread: Thread, url: str, title: str) -> None:
        """Point ``thread`` at its result, the pull/merge request at ``url`` (Jira: a remote
        link, one per pull request however often it runs); forges whose progress comment says it
        do nothing."""
        ...

    def fetch(self, repo: Git, thread: Thread) -> tuple[str, str]:
        """Fetch a pull/merge request's head and base into ``repo``: ``(head_sha, base_sha)``."""
        ...

    def links(self, environ: Mapping[str, str]) -> Links: ...

    def remote(self) -> Remote | None:
        """The repository on the forge, reached with the token: where branches go (the memory
        branch too); None for forges without one (``local``, ``none``)."""
        ...

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
        """Point ``branch`` at ``head`` and open (or update) the draft pull request for it, into
        ``base`` (default: the repository's default branch)."""
        ...


def unsupported(forge: str, what: str) -> ConfigError:
    return ConfigError(
        f"the {forge} forge has no {what}; pass the request with --request, or use "
        "--forge github, gitlab or jira in CI"
    )
