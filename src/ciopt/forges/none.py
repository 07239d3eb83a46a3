"""The ``none`` forge: nothing is published, the output folder holds the result (replays)."""

from __future__ import annotations

from ciopt.forges.base import Publication
from ciopt.forges.offline import Offline
from ciopt.git import Git

__all__ = ["NoForge"]


class NoForge(Offline):
    name = "none"

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
        return Publication(branch="", url="", updated=False)
