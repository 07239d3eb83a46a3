"""The local forge: a branch in the repository, and the pull request as a markdown file beside it.

The "pull request" lives at ``.git/ciopt/pulls/<branch>.md`` so that re-running updates it in
place, as a hosted forge would update its PR.
"""

from __future__ import annotations

from pathlib import Path

from ciopt.forges.base import Publication
from ciopt.forges.offline import Offline
from ciopt.git import Git

__all__ = ["LocalForge"]


class LocalForge(Offline):
    name = "local"

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
        existed = bool(repo("branch", "--list", branch))
        repo("branch", "--force", branch, head)
        git_dir = Path(repo("rev-parse", "--absolute-git-dir"))
        pull = git_dir / "ciopt" / "pulls" / f"{branch.replace('/', '__')}.md"
        pull.parent.mkdir(parents=True, exist_ok=True)
        pull.write_text(
            f"# {title}\n\nbranch: `{branch}` at `{head}`"
            + (f" into `{base}`" if base else "")
            + f"\n\n{body}",
            encoding="utf-8",
        )
        return Publication(branch=branch, url=pull.as_uri(), updated=existed)
