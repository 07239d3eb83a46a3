"""Pushing and fetching with a forge token, without the token ever reaching argv, a log, or a git
process that reads configuration the client's code could have written.

The client's repository is not trusted: its ``.git/config`` may rewrite URLs (``insteadOf``),
include other files and name helpers, and its hooks run on push. So the forge is reached only
from a bare repository ciopt makes for the one operation, in a fresh temporary folder, whose
configuration nobody else wrote:

- push: the commit is fetched from the client's repository into the bare one (a local fetch,
  without the token), then pushed from there with the token;
- fetch: the refs are fetched from the forge into the bare repository with the token, then from
  there into the client's repository without it; their commits are the bare repository's;
- a file kept on a branch of its own (the memory of earlier runs): read, and committed anew, in
  the bare repository alone; the client's repository is not involved.

The token goes to git as an ``http.extraHeader`` through ``GIT_CONFIG_*`` variables (the way
actions/checkout hands it over), so it is not in the command line, the remote URL, or any
``config`` file. Only the forge URL's own transport is allowed (``https``; ``file`` for a local
path, as in tests and mirrors, which ignores the header).
"""

from __future__ import annotations

import base64
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn
from urllib.parse import urlsplit

from ciopt.errors import ConfigError, RepoError
from ciopt.git import Git, run_git
from ciopt.proc import Completed

__all__ = ["Remote"]

PUBLISHED = "refs/ciopt/publish"
TIP = "refs/ciopt/tip"  # a branch's commit, as fetched into the bare repository
TRANSPORTS = ("https", "http", "file")


class Remote:
    """A repository on a forge, reached over HTTPS with ``user``:``token`` basic auth."""

    def __init__(self, url: str, *, user: str, token: str | None, timeout: float = 300.0) -> None:
        self.url = url
        self.transport = _transport(url)  # the only one git may use to reach the forge
        self._user = user
        self._token = token
        self.timeout = timeout

    def push(self, repo: Git, head: str, branch: str) -> bool:
        """Force ``branch`` on the remote to ``head``; whether the branch existed before."""
        with _bare(self.timeout) as bare:
            _take(bare, repo, head, self.timeout)
            listed = self._forge(bare, "ls-remote", "--heads", self.url, f"refs/heads/{branch}")
            self._forge(bare, "push", "--force", "--quiet", self.url, f"{head}:refs/heads/{branch}")
        return bool(listed)

    def fetch(self, repo: Git, ref: str) -> str:
        """Fetch ``ref`` (``refs/pull/7/head``, ``refs/heads/main``) and return its commit."""
        return self.fetch_all(repo, [ref])[0]

    def fetch_all(self, repo: Git, refs: Sequence[str]) -> list[str]:
        """Fetch ``refs`` in one go into ``repo`` (as ``refs/ciopt/fetched/...``); their commits
        as the forge gave them."""
        kept = ["refs/ciopt/fetched/" + ref.removeprefix("refs/") for ref in refs]
        with _bare(self.timeout) as bare:
            specs = [f"+{ref}:{local}" for ref, local in zip(refs, kept, strict=True)]
            self._forge(bare, "fetch", "--quiet", "--no-tags", self.url, *specs)
            shas = [Git(bare).resolve(local) for local in kept]
            # into the client's repository: no token, and only the local transport
            argv = ["fetch", "--quiet", "--no-tags", str(bare), *(f"+{k}:{k}" for k in kept)]
            done = run_git(argv, cwd=repo.path, timeout=self.timeout, protocols=("file",))
            if not done.ok:
                raise RepoError(
                    f"git fetch into {repo.path} failed: {done.tail(2)}", reason="fetch_failed"
                )
        for sha in shas:  # what the forge sent, whatever the client's config made of the fetch
            if not run_git(["cat-file", "-e", f"{sha}^{{commit}}"], cwd=repo.path).ok:
                raise RepoError(
                    f"the fetch into {repo.path} did not bring {sha}: does its git configuration "
                    "redirect URLs (url.*.insteadOf)?",
                    reason="fetch_failed",
                )
        return shas

    def read_file(self, branch: str, path: str) -> str | None:
        """The text of ``path`` on ``branch``; None when the branch or the file is not there."""
        with _bare(self.timeout) as bare:
            tip = self._tip(bare, branch)
            return None if tip is None else _text_at(bare, tip, path)

    def commit_file(
        self,
        branch: str,
        path: str,
        update: Callable[[str | None], str],
        message: str,
        *,
        attempts: int = 3,
    ) -> str:
        """One new commit on ``branch`` holding only ``path``, its text ``update(old)`` (``old``:
        the branch's text, None when there is none yet); the branch begins as an orphan.

        Pushed without force: when another job moved the branch meanwhile, it is fetched again
        and ``update`` applied to its text anew, up to ``attempts`` times. The new commit."""
        with _bare(self.timeout) as bare:
            for _ in range(attempts):
                tip = self._tip(bare, branch)
                old = None if tip is None else _text_at(bare, tip, path)
                commit = _commit(bare, path, update(old), message, parent=tip)
                refspec = f"{commit}:{_head(branch)}"
                pushed = self._git(bare, "push", "--porcelain", self.url, refspec)
                if pushed.ok:
                    return commit
                if "[rejected]" not in pushed.stdout:  # not a race: the forge refused it
                    self._failed(pushed, "push")
        raise RepoError(
            f"the branch {branch} kept moving while ciopt pushed to it ({attempts} tries)",
            reason="push_failed",
        )

    def _tip(self, bare: Path, branch: str) -> str | None:
        """Fetch ``branch`` into ``bare`` (as ``TIP``); its commit, None when there is none."""
        if not self._forge(bare, "ls-remote", "--heads", self.url, _head(branch)):
            return None
        self._forge(bare, "fetch", "--quiet", "--no-tags", self.url, f"+{_head(branch)}:{TIP}")
        return Git(bare).resolve(TIP)

    def _forge(self, bare: Path, *args: str) -> str:
        """``git ARGS`` in ciopt's own bare repository, with the token, to the forge."""
        done = self._git(bare, *args)
        if not done.ok:
            self._failed(done, args[0])
        return done.stdout.strip()

    def _git(self, bare: Path, *args: str) -> Completed:
        config = {}
        if self._token:
            basic = base64.b64encode(f"{self._user}:{self._token}".encode()).decode()
            config["http.extraHeader"] = f"Authorization: Basic {basic}"
        return run_git(
            args, cwd=bare, timeout=self.timeout, protocols=(self.transport,), config=config
        )

    def _failed(self, done: Completed, command: str) -> NoReturn:
        raise RepoError(
            f"git {command} to the forge failed: {done.tail(2)}; check that the token may "
            "push (contents: write on GitHub, write_repository on GitLab)",
            reason="push_failed" if command == "push" else "fetch_failed",
        )


def _transport(url: str) -> str:
    """``https`` (or ``http``), or ``file`` for a local path; a ``ConfigError`` for any other
    (ssh, a remote helper such as ``ext::``)."""
    if "://" in url:
        scheme = urlsplit(url).scheme.lower()
    elif "::" in url:
        scheme = url.split("::", 1)[0].lower()  # a remote helper: ext::, fd::, ...
    elif ":" in url.split("/", 1)[0]:
        scheme = "ssh"  # scp-like host:path
    else:
        scheme = "file"
    if scheme not in TRANSPORTS:
        raise ConfigError(
            f"the forge's repository URL {url!r} is neither https:// nor a local path; "
            "set push_url to its https:// clone URL"
        )
    return scheme


@contextmanager
def _bare(timeout: float) -> Iterator[Path]:
    """A new bare repository in a temporary folder, removed afterwards; no template, so no
    sample hooks and no configuration but what ``git init`` writes."""
    with tempfile.TemporaryDirectory(prefix="ciopt-remote-") as tmp:
        path = Path(tmp) / "forge.git"
        done = run_git(
            ["init", "--quiet", "--bare", "--template=", str(path)], cwd=Path(tmp), timeout=timeout
        )
        if not done.ok:
            raise RepoError(f"git init --bare in {tmp} failed: {done.tail(2)}")
        yield path


def _head(branch: str) -> str:
    return f"refs/heads/{branch}"


def _text_at(bare: Path, commit: str, path: str) -> str | None:
    done = run_git(["show", "--no-textconv", f"{commit}:{path}"], cwd=bare, timeout=60)
    return done.stdout if done.ok else None


def _commit(bare: Path, path: str, text: str, message: str, *, parent: str | None) -> str:
    """A commit in ``bare`` whose tree holds only ``path`` with ``text``, on ``parent``."""
    git = Git(bare)
    blob = git("hash-object", "-w", "--stdin", stdin=text)
    tree = git("mktree", stdin=f"100644 blob {blob}\t{path}\n")
    return git("commit-tree", tree, *(["-p", parent] if parent else []), "-m", message)


def _take(bare: Path, repo: Git, head: str, timeout: float) -> None:
    """Fetch the commit ``head`` from the client's repository into ``bare``: a local fetch,
    without the token. Its other end (``git upload-pack`` in the client's repository) reads that
    repository's configuration, and no command-line configuration reaches it (git clears it for
    a local transport): upload-pack runs no hook, and ignores ``uploadpack.packObjectsHook``
    in a repository's configuration."""
    argv = ["fetch", "--quiet", "--no-tags", str(repo.path), f"+{head}:{PUBLISHED}"]
    done = run_git(argv, cwd=bare, timeout=timeout, protocols=("file",))
    if not done.ok:
        raise RepoError(
            f"git fetch of {head} from {repo.path} failed: {done.tail(2)}", reason="push_failed"
        )
