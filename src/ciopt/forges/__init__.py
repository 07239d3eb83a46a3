"""Forges by name: where requests come from and where results go for review.

    base      the interface (``Forge``) and its models: asks, threads, people, publications
    github    PyGithub (``api``) and the Actions events read as asks (``events``)
    gitlab    python-gitlab (``api``) and the pipeline's variables and webhooks (``events``)
    jira      Jira issues as requests (the jira library), published on github or gitlab, which
              it wraps (``api``); the dispatch that names the issue (``events``); Jira's wiki
              markup (``markup``)
    local     a branch, and the pull request as a markdown file beside it
    none      nothing published (replays)
    screen    which asks are requests: the rules every forge shares
    remote    pushing and fetching with a token that never reaches argv or a log; a file kept on
              a branch of its own (``Remote``)
    fork      is this job running for a fork's pull request (no secrets)?

Add one by writing a module against ``Forge`` and registering it in ``FORGES``. Hosted forges are
imported when opened, so a local run never loads PyGithub, python-gitlab or jira.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ciopt.config import Settings
from ciopt.errors import ConfigError
from ciopt.forges.base import (
    MARKER,
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
from ciopt.forges.fork import fork_context
from ciopt.forges.local import LocalForge
from ciopt.forges.none import NoForge
from ciopt.forges.remote import Remote
from ciopt.forges.screen import screen_ask

__all__ = [
    "FORGES",
    "MARKER",
    "Access",
    "Ask",
    "Comment",
    "Forge",
    "Ignored",
    "Links",
    "Person",
    "Publication",
    "Remote",
    "Rules",
    "Thread",
    "fork_context",
    "open_forge",
    "screen_ask",
]

Opener = Callable[[Settings, Mapping[str, str]], Forge]


def _github(settings: Settings, environ: Mapping[str, str]) -> Forge:
    from ciopt.forges.github.api import GitHubForge  # noqa: PLC0415 (PyGithub only when used)

    return GitHubForge.from_environ(settings, environ)


def _gitlab(settings: Settings, environ: Mapping[str, str]) -> Forge:
    from ciopt.forges.gitlab.api import GitLabForge  # noqa: PLC0415 (python-gitlab only when used)

    return GitLabForge.from_environ(settings, environ)


def _jira(settings: Settings, environ: Mapping[str, str]) -> Forge:
    from ciopt.forges.jira.api import JiraForge, code_forge  # noqa: PLC0415 (jira only when used)

    code = open_forge(code_forge(settings, environ), settings, environ)
    return JiraForge.from_environ(settings, environ, code=code)


def _local(settings: Settings, environ: Mapping[str, str]) -> Forge:
    return LocalForge()


def _none(settings: Settings, environ: Mapping[str, str]) -> Forge:
    return NoForge()


FORGES: dict[str, Opener] = {
    "github": _github,
    "gitlab": _gitlab,
    "jira": _jira,
    "local": _local,
    "none": _none,
}


def open_forge(name: str, settings: Settings, environ: Mapping[str, str]) -> Forge:
    """The forge ``name``, configured from ``settings`` and the CI environment (its token)."""
    try:
        opener = FORGES[name]
    except KeyError:
        known = ", ".join(sorted(FORGES))
        raise ConfigError(f"unknown forge {name!r}; use one of: {known}") from None
    return opener(settings, environ)
