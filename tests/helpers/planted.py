"""Git configuration the client's code could plant, each piece a script that leaves a mark.

Code under test may write the repository's ``.git`` (a worktree's ``.git`` file points there),
and a careless CI job may have written the runner's home or system configuration. ``plant``
arms a repository and an environment with every piece of git configuration that runs a
program: ``core.fsmonitor``, every hook (in ``.git/hooks`` and in a planted ``core.hooksPath``),
``credential.helper``, ``core.askPass``, ``core.sshCommand``, filter and diff drivers named by
``.git/info/attributes``, ``protocol.ext.allow`` with an ``ext::`` rewrite, ``include.path``
to a file with more of the same, and ``url.<elsewhere>.insteadOf`` that sends the forge's URLs
elsewhere; and, in the environment, ``HOME``'s and ``XDG_CONFIG_HOME``'s git config, a system
config (``GIT_CONFIG_SYSTEM``), ``GIT_CONFIG_PARAMETERS``, ``GIT_EXTERNAL_DIFF``,
``GIT_SSH_COMMAND`` and ``GIT_ASKPASS``.

Every script appends its name to a file in ``marks``; ``Planted.fired()`` lists them.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

__all__ = ["HOOKS", "Planted", "plain_git", "plant"]

HOOKS = (
    "applypatch-msg", "pre-applypatch", "post-applypatch", "pre-commit", "pre-merge-commit",
    "prepare-commit-msg", "commit-msg", "post-commit", "pre-rebase", "post-checkout",
    "post-merge", "pre-push", "pre-receive", "update", "proc-receive", "post-receive",
    "post-update", "reference-transaction", "push-to-checkout", "pre-auto-gc", "post-rewrite",
    "sendemail-validate", "fsmonitor-watchman", "p4-changelist", "p4-prepare-changelist",
    "p4-post-changelist", "p4-pre-submit", "post-index-change",
)  # fmt: skip


@dataclass(frozen=True)
class Planted:
    marks: Path

    def fired(self) -> list[str]:
        """The names of the planted scripts that ran, sorted."""
        return sorted({line for f in self.marks.iterdir() for line in f.read_text().split()})


def plant(
    repo: Path,
    root: Path,
    monkeypatch: pytest.MonkeyPatch,
    *,
    redirect: Mapping[str, str] | None = None,
    ext_prefixes: Sequence[str] = (),
) -> Planted:
    """Arm ``repo`` (a checkout) and this process's environment; scripts live under ``root``.

    ``redirect`` maps a URL (prefix) to where ``insteadOf`` sends it; every prefix in
    ``ext_prefixes`` is rewritten to an ``ext::`` command that leaves the mark ``ext``.
    """
    scripts, marks, home = root / "planted", root / "marks", root / "home"
    for folder in (scripts, marks, home / ".config" / "git", scripts / "hooks"):
        folder.mkdir(parents=True, exist_ok=True)

    def script(name: str) -> str:
        path = scripts / name
        path.write_text(f"#!/bin/sh\necho {name} >> {marks / name}\nexit 0\n")
        path.chmod(0o755)
        return str(path)

    git_dir = Path(plain_git(repo, "rev-parse", "--absolute-git-dir"))
    for hook in HOOKS:
        (git_dir / "hooks").mkdir(exist_ok=True)
        Path(script(f"hook-{hook}")).rename(git_dir / "hooks" / hook)
        Path(script(f"hooks-path-{hook}")).rename(scripts / "hooks" / hook)
    (git_dir / "info").mkdir(exist_ok=True)
    (git_dir / "info" / "attributes").write_text("* filter=planted diff=planted merge=planted\n")

    def pieces(where: str) -> list[tuple[str, str]]:
        found = [
            ("core.fsmonitor", script(f"{where}-fsmonitor")),
            ("core.hooksPath", str(scripts / "hooks")),
            ("credential.helper", script(f"{where}-credential")),
            ("core.askPass", script(f"{where}-askpass")),
            ("core.sshCommand", script(f"{where}-ssh")),
            ("core.pager", script(f"{where}-pager")),
            ("core.editor", script(f"{where}-editor")),
            ("core.alternateRefsCommand", script(f"{where}-alternate-refs")),
            ("gpg.program", script(f"{where}-gpg")),
            ("commit.gpgSign", "true"),
            ("log.showSignature", "true"),
            ("diff.external", script(f"{where}-external-diff")),
            ("filter.planted.clean", script(f"{where}-clean")),
            ("filter.planted.smudge", script(f"{where}-smudge")),
            ("filter.planted.process", script(f"{where}-filter-process")),
            ("filter.planted.required", "true"),
            ("diff.planted.textconv", script(f"{where}-textconv")),
            ("diff.planted.command", script(f"{where}-diff-driver")),
            ("merge.planted.driver", script(f"{where}-merge-driver")),
            ("protocol.allow", "always"),
            ("protocol.ext.allow", "always"),
            ("gc.auto", "1"),
            ("gc.autoDetach", "false"),
            ("http.extraHeader", f"X-Planted: {where}"),
        ]
        for url, elsewhere in (redirect or {}).items():
            found.append((f"url.{elsewhere}.insteadOf", url))
        for prefix in ext_prefixes:
            command = f"ext::sh -c echo% ext% >>% {marks / 'ext'} x"
            found.append((f"url.{command}.insteadOf", prefix))
        return found

    def write(path: Path, where: str) -> None:
        for key, value in pieces(where):
            plain_git(repo, "config", "--file", str(path), "--add", key, value)

    included = root / "included.gitconfig"
    write(included, "included")
    write(git_dir / "config", "repo")
    plain_git(repo, "config", "--add", "include.path", str(included))
    plain_git(repo, "config", "--add", f"includeIf.gitdir:{git_dir}/.path", str(included))
    write(home / ".gitconfig", "home")
    write(home / ".config" / "git" / "config", "xdg")
    write(root / "system.gitconfig", "system")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_SYSTEM", str(root / "system.gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", f"'core.fsmonitor'='{script('env-fsmonitor')}'")
    monkeypatch.setenv("GIT_EXTERNAL_DIFF", script("env-external-diff"))
    monkeypatch.setenv("GIT_SSH_COMMAND", script("env-ssh"))
    monkeypatch.setenv("GIT_ASKPASS", script("env-askpass"))
    monkeypatch.setenv("SSH_ASKPASS", script("env-ssh-askpass"))
    monkeypatch.setenv("GIT_PAGER", script("env-pager"))
    return Planted(marks)


def plain_git(repo: Path, *args: str) -> str:
    """Git without the planted environment (system and home config, ``GIT_*``), for a test to
    look at what happened without setting off what it planted outside ``repo``."""
    done = subprocess.run(
        ["git", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ["PATH"], "GIT_CONFIG_NOSYSTEM": "1", "HOME": str(repo)},
    )
    return done.stdout.strip()
