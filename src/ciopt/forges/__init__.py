"""Forges by name. Add one by writing a module against ``Forge`` and registering it here.

Hosted forges are imported when opened, so a local run never loads PyGithub or python-gitlab.
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
from ciopt.forges.local import LocalForge
from ciopt.forges.none import NoForge

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
    "Rules",
    "Thread",
    "open_forge",
]

Opener = Callable[[Settings, Mapping[str, str]], Forge]


def _github(settings: Settings, environ: Mapping[str, str]) -> Forge:
    from ciopt.forges.github import GitHubForge  # noqa: PLC0415 (PyGithub only when used)

    return GitHubForge.from_environ(settings, environ)


def _gitlab(settings: Settings, environ: Mapping[str, str]) -> Forge:
    from ciopt.forges.gitlab import GitLabForge  # noqa: PLC0415 (python-gitlab only when used)

    return GitLabForge.from_environ(settings, environ)


def _local(settings: Settings, environ: Mapping[str, str]) -> Forge:
    return LocalForge()


def _none(settings: Settings, environ: Mapping[str, str]) -> Forge:
    return NoForge()


FORGES: dict[str, Opener] = {"github": _github, "gitlab": _gitlab, "local": _local, "none": _none}


def open_forge(name: str, settings: Settings, environ: Mapping[str, str]) -> Forge:
    """The forge ``name``, configured from ``settings`` and the CI environment (its token)."""
    try:
        opener = FORGES[name]
    except KeyError:
        known = ", ".join(sorted(FORGES))
        raise ConfigError(f"unknown forge {name!r}; use one of: {known}") from None
    return opener(settings, environ)
