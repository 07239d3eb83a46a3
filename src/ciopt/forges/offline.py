"""What the forges without issues (``local``, ``none``) answer to everything but ``publish``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from ciopt.forges.base import (
    Access,
    Ask,
    Comment,
    Ignored,
    Links,
    Person,
    Rules,
    Thread,
    unsupported,
)
from ciopt.forges.remote import Remote
from ciopt.git import Git

__all__ = ["Offline"]


class Offline:
    """A forge with no API: no events, threads, comments or labels."""

    name = "offline"

    def asks(
        self, environ: Mapping[str, str], rules: Rules, poll: int | None
    ) -> list[Ask | Ignored]:
        raise unsupported(self.name, "events to read")

    def whoami(self) -> str:
        return "ciopt"

    def access(self, person: Person, thread: Thread | None = None) -> Access:
        raise unsupported(self.name, "permissions to check")

    def thread(self, number: int, kind: Literal["issue", "pull"] = "issue") -> Thread:
        raise unsupported(self.name, "issues or pull requests")

    def comments(self, thread: Thread) -> list[Comment]:
        raise unsupported(self.name, "comments")

    def comment(self, thread: Thread, body: str) -> Comment:
        raise unsupported(self.name, "comments")

    def edit_comment(self, thread: Thread, comment_id: int, body: str) -> None:
        raise unsupported(self.name, "comments")

    def relabel(
        self, thread: Thread, add: Sequence[str] = (), remove: Sequence[str] = ()
    ) -> tuple[str, ...]:
        raise unsupported(self.name, "labels")

    def link(self, thread: Thread, url: str, title: str) -> None:
        raise unsupported(self.name, "issues or pull requests")

    def fetch(self, repo: Git, thread: Thread) -> tuple[str, str]:
        raise unsupported(self.name, "pull requests")

    def links(self, environ: Mapping[str, str]) -> Links:
        return Links()

    def remote(self) -> Remote | None:
        return None
