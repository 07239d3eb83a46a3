"""The forge interface: where results are published for review."""

from __future__ import annotations

from typing import Protocol

from pydantic import BaseModel

from ciopt.git import Git

__all__ = ["Forge", "Publication"]


class Publication(BaseModel):
    branch: str
    url: str
    updated: bool  # an earlier run's branch/PR was updated rather than created


class Forge(Protocol):
    name: str

    def publish(self, repo: Git, *, branch: str, head: str, title: str, body: str) -> Publication:
        """Point ``branch`` at ``head`` and open (or update) the pull request for it."""
        ...
