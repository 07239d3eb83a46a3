"""Git plumbing on a repository path, through ``ciopt.proc``, trusting no configuration.

The client's code runs with write access to a worktree whose ``.git`` points into the
repository's own ``.git``, so anything there (config, hooks, attributes) may have been planted.
Every git process ciopt starts goes through ``run_git``, which starts it with:

- an allowlisted environment (no secret of ciopt's, no ``GIT_*`` of the caller's, no ``HOME``);
- no system or global configuration (``GIT_CONFIG_NOSYSTEM``, ``GIT_CONFIG_GLOBAL=/dev/null``)
  but their ``safe.directory`` entries (which repositories of other owners git may open at all,
  as CI jobs set for their checkout: it runs nothing);
- command-line configuration (through ``GIT_CONFIG_COUNT``, never argv) that wins over the
  repository's own: no hooks, no fsmonitor, no credential helper, no askpass, no prompt, no
  background gc or maintenance, no submodule recursion, no signing, every transport refused
  but the ones the caller names;
- the filter and diff drivers and protocol policies the repository's configuration defines
  (read just before the call) switched off: a planted ``filter.x.smudge`` or ``diff.x.textconv``
  never runs (``diff`` and ``show`` pass ``--no-textconv``; anything else that would use one
  fails instead).

What command-line configuration cannot switch off (``url.*.insteadOf``, ``include.path`` in
``.git/config``) is why the forge is only ever reached from a bare repository ciopt made itself
(``ciopt.forges.remote``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path

from ciopt import proc
from ciopt.errors import RepoError

__all__ = ["BOT_IDENTITY", "Git", "git_env", "run_git"]

BOT_IDENTITY = ("ciopt", "ciopt@users.noreply.github.com")

# what a git process may see of ciopt's environment (nothing secret); the rest is dropped
KEPT_VARIABLES = ("PATH", "LANG", "LANGUAGE", "TZ", "TMPDIR")
# added for transports that reach a network: proxies and certificate authorities
NETWORK_VARIABLES = (
    "HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy",
    "NO_PROXY", "no_proxy", "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_CA_BUNDLE",
    "GIT_SSL_CAINFO", "GIT_SSL_CAPATH",
)  # fmt: skip
PROTOCOLS = ("file", "http", "https", "ssh", "git", "ext", "fd", "ftp", "ftps")
SAFE_CONFIG = {
    "core.hooksPath": "/dev/null",  # no hook: pre-push, post-checkout, reference-transaction...
    "core.fsmonitor": "false",
    "core.askPass": "",
    "core.attributesFile": "/dev/null",
    "core.excludesFile": "/dev/null",
    "credential.helper": "",  # empties the list of helpers
    "gc.auto": "0",  # no `gc --auto` left running in the background
    "maintenance.auto": "false",
    "fetch.recurseSubmodules": "false",
    "submodule.recurse": "false",
    "commit.gpgSign": "false",
    "tag.gpgSign": "false",
    "log.showSignature": "false",
    "protocol.allow": "never",
}
# repository-defined drivers that run a command, and the value that switches each off
DRIVER_KEYS = {
    ("filter", "clean"): "",
    ("filter", "smudge"): "",
    ("filter", "process"): "",
    ("filter", "required"): "false",
    ("diff", "textconv"): "",
    ("diff", "command"): "",
    ("protocol", "allow"): "never",
}


def git_env(
    *,
    protocols: Sequence[str] = (),
    config: Mapping[str, str] | None = None,
    safe_directories: Sequence[str] = (),
    environ: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The environment of a git process: ``protocols`` are the transports it may use (``file``,
    ``https``...; none by default), ``config`` is added last (an HTTP header, say)."""
    source = os.environ if environ is None else environ
    names = KEPT_VARIABLES + (NETWORK_VARIABLES if {"http", "https"} & set(protocols) else ())
    env = {name: source[name] for name in names if name in source}
    env.update({name: value for name, value in source.items() if name.startswith("LC_")})
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL="/dev/null",
        GIT_ATTR_NOSYSTEM="1",
        GIT_TERMINAL_PROMPT="0",
    )
    name, email = BOT_IDENTITY
    pairs = {"user.name": name, "user.email": email, **SAFE_CONFIG}
    for protocol in PROTOCOLS:
        pairs[f"protocol.{protocol}.allow"] = "always" if protocol in protocols else "never"
    pairs.update(config or {})
    env = _with_config(env, pairs)
    return _with_config(env, [("safe.directory", path) for path in safe_directories])


def run_git(
    args: Sequence[str],
    *,
    cwd: Path,
    timeout: float = 120.0,
    stdin: str | None = None,
    protocols: Sequence[str] = (),
    config: Mapping[str, str] | None = None,
) -> proc.Completed:
    """``git ARGS`` in ``cwd`` the only way ciopt runs git (see the module's docstring)."""
    safe = _safe_directories(os.environ)
    env = git_env(protocols=protocols, config=config, safe_directories=safe)
    env = _with_config(env, _disarmed(cwd, env, protocols))
    return proc.run(["git", *args], cwd=cwd, env=env, timeout=timeout, stdin=stdin)


def _safe_directories(environ: Mapping[str, str]) -> list[str]:
    """The ``safe.directory`` entries of the caller's system and global configuration."""
    names = ("PATH", "HOME", "XDG_CONFIG_HOME", "GIT_CONFIG_SYSTEM", "GIT_CONFIG_GLOBAL")
    env = {name: environ[name] for name in names if name in environ}
    if "GIT_CONFIG_NOSYSTEM" in environ:
        env["GIT_CONFIG_NOSYSTEM"] = environ["GIT_CONFIG_NOSYSTEM"]
    argv = ["git", "config", "--get-all", "--show-scope", "safe.directory"]
    done = proc.run(argv, cwd=Path("/"), env=env, timeout=30)
    found = (line.partition("\t") for line in done.stdout.splitlines())
    return [path for scope, _, path in found if scope in ("system", "global") and path]


def _disarmed(cwd: Path, env: Mapping[str, str], protocols: Sequence[str]) -> dict[str, str]:
    """Overrides for the drivers and protocol policies the configuration seen from ``cwd``
    defines (a repository's, its worktree's, and the files they include)."""
    argv = ["git", "config", "-z", "--name-only", "--get-regexp", r"^(filter|diff|protocol)\."]
    done = proc.run(argv, cwd=cwd, env=env, timeout=30)
    overrides: dict[str, str] = {}
    for key in filter(None, done.stdout.split("\0")):
        section, _, rest = key.partition(".")
        subsection, _, variable = rest.rpartition(".")
        value = DRIVER_KEYS.get((section.lower(), variable.lower()))
        if value is None or (section.lower() == "protocol" and subsection in protocols):
            continue
        overrides[key] = value
    return overrides


def _with_config(
    env: Mapping[str, str], pairs: Mapping[str, str] | Sequence[tuple[str, str]]
) -> dict[str, str]:
    """``env`` with ``pairs`` appended as command-line configuration (``GIT_CONFIG_*``)."""
    out = dict(env)
    count = int(out.get("GIT_CONFIG_COUNT", "0") or 0)
    for key, value in pairs.items() if isinstance(pairs, Mapping) else pairs:
        out[f"GIT_CONFIG_KEY_{count}"] = key
        out[f"GIT_CONFIG_VALUE_{count}"] = value
        count += 1
    out["GIT_CONFIG_COUNT"] = str(count)
    return out


class Git:
    """A git repository (or worktree) on disk."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __call__(self, *args: str, check: bool = True, stdin: str | None = None) -> str:
        done = run_git(args, cwd=self.path, timeout=120, stdin=stdin)
        if check and not done.ok:
            raise RepoError(f"git {' '.join(args)} failed in {self.path}: {done.tail(3)}")
        return done.stdout.strip()

    @classmethod
    def open(cls, path: Path) -> Git:
        """The repository at ``path``; a clear error when it is not one."""
        if not path.is_dir():
            raise RepoError(f"--repo {path} is not a directory; pass the path of a git checkout")
        done = run_git(["rev-parse", "--show-toplevel"], cwd=path, timeout=30)
        if not done.ok:
            raise RepoError(f"{path} is not a git repository; run `git init` there or pass --repo")
        return cls(Path(done.stdout.strip()))

    def resolve(self, ref: str) -> str:
        done = run_git(["rev-parse", "--verify", f"{ref}^{{commit}}"], cwd=self.path, timeout=60)
        if not done.ok:
            raise RepoError(f"{ref!r} is not a commit in {self.path}; pass an existing ref")
        return done.stdout.strip()

    def dirty_files(self) -> list[str]:
        """Tracked files with uncommitted changes (untracked files do not matter to worktrees)."""
        done = run_git(["status", "--porcelain", "--untracked-files=no"], cwd=self.path)
        if not done.ok:
            raise RepoError(f"git status failed in {self.path}: {done.tail(3)}")
        # not stripped: the first line's status may start with a blank (" M path")
        return [line[3:] for line in done.stdout.splitlines() if line.strip()]

    def show(self, sha: str, path: str) -> str | None:
        done = run_git(["show", "--no-textconv", f"{sha}:{path}"], cwd=self.path, timeout=30)
        return done.stdout if done.ok else None

    def diff(self, base: str, head: str) -> str:
        """A patch that ``git apply`` takes on ``base`` (unstripped: trailing blanks matter)."""
        args = ["diff", "--no-color", "--no-ext-diff", "--no-textconv", base, head]
        done = run_git(args, cwd=self.path, timeout=60)
        if not done.ok:
            raise RepoError(f"git diff {base} {head} failed: {done.tail(3)}")
        return done.stdout

    def changed_files(self, base: str, head: str) -> list[str]:
        out = self("diff", "--name-only", "--no-ext-diff", "--no-textconv", base, head)
        return [f for f in out.splitlines() if f]
