"""Pushing and fetching with a forge token, without the token ever reaching argv or a log.

The token goes to git as an ``http.extraHeader`` through ``GIT_CONFIG_*`` variables (the way
actions/checkout hands it over), so it is not in the command line, the remote URL, or
``.git/config``. A remote that is a local path (tests, mirrors) ignores it.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Mapping

from ciopt import proc
from ciopt.errors import RepoError
from ciopt.git import BOT_IDENTITY, Git

__all__ = ["Remote"]


class Remote:
    """A repository on a forge, reached over HTTPS with ``user``:``token`` basic auth."""

    def __init__(self, url: str, *, user: str, token: str | None, timeout: float = 300.0) -> None:
        self.url = url
        self._user = user
        self._token = token
        self.timeout = timeout

    def env(self, environ: Mapping[str, str] | None = None) -> dict[str, str]:
        env = dict(os.environ if environ is None else environ)
        env["GIT_TERMINAL_PROMPT"] = "0"  # fail, never wait for a password
        if self._token:
            basic = base64.b64encode(f"{self._user}:{self._token}".encode()).decode()
            count = int(env.get("GIT_CONFIG_COUNT", "0") or 0)
            env["GIT_CONFIG_COUNT"] = str(count + 1)
            env[f"GIT_CONFIG_KEY_{count}"] = "http.extraHeader"
            env[f"GIT_CONFIG_VALUE_{count}"] = f"Authorization: Basic {basic}"
        return env

    def _git(self, repo: Git, *args: str) -> str:
        name, email = BOT_IDENTITY
        argv = ["git", "-c", f"user.name={name}", "-c", f"user.email={email}", *args]
        done = proc.run(argv, cwd=repo.path, env=self.env(), timeout=self.timeout)
        if not done.ok:
            raise RepoError(
                f"git {args[0]} to the forge failed: {done.tail(2)}; check that the token may "
                "push (contents: write on GitHub, write_repository on GitLab)",
                reason="push_failed" if args[0] == "push" else "fetch_failed",
            )
        return done.stdout.strip()

    def push(self, repo: Git, head: str, branch: str) -> bool:
        """Force ``branch`` on the remote to ``head``; whether the branch existed before."""
        listed = self._git(repo, "ls-remote", "--heads", self.url, f"refs/heads/{branch}")
        self._git(repo, "push", "--force", "--quiet", self.url, f"{head}:refs/heads/{branch}")
        return bool(listed)

    def fetch(self, repo: Git, ref: str) -> str:
        """Fetch ``ref`` (``refs/pull/7/head``, ``refs/heads/main``) and return its commit."""
        local = "refs/ciopt/fetched/" + ref.removeprefix("refs/")
        self._git(repo, "fetch", "--quiet", "--no-tags", self.url, f"+{ref}:{local}")
        return repo.resolve(local)
