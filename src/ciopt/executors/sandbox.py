"""The sandbox executor: each job in bubblewrap namespaces, seeing only what it needs.

Each job runs as ``bwrap ... -- python ciopt_jail.py FD -- ARGV`` where bwrap itself is started
with only the job's environment (the allowlist of ``env``), so no process inside has ever held
a secret, not even bubblewrap's init. The job gets:

- new user, PID, IPC, UTS, cgroup and (unless ``network``) network namespaces; its ``/proc``
  shows its own processes only, never ciopt's or ciopt's parents';
- the system read-only (``/usr``, ``/etc`` but its secret files), its interpreter's folders
  read-only (``paths.interpreter_dirs``), ciopt's ``inject/`` read-only;
- writable: its worktree, the folders of the result paths ciopt named, a private ``/tmp`` and an
  empty ``HOME`` (both tmpfs, gone with the job). Nothing else of this machine is there: no home,
  no main repository (the worktree's ``.git`` file points at nothing), no CI event file;
- ``--die-with-parent`` and ``--new-session``; when the job's command ends, ``ciopt_jail``
  reports and kills whatever it left, and the namespace goes with it.

What a job left running or wrote beside its results comes back as ``Completed.violations``.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from ciopt import proc
from ciopt.errors import EnvironmentProblem
from ciopt.executors.base import Command
from ciopt.executors.jail import jailed, with_violations
from ciopt.executors.paths import (
    SYSTEM_DIRS,
    input_files,
    interpreter_dirs,
    output_dirs,
    system_path,
)
from ciopt.executors.watch import InFlight, Writes
from ciopt.inject import INJECT_DIR
from ciopt.proc import Completed

__all__ = ["SYSTEM_DIRS", "SandboxExecutor", "bwrap_prefix", "find_bwrap", "sandbox_works"]

# Files under /etc that hold secrets of this machine: hidden behind an empty file.
HIDDEN_FILES = ("/etc/shadow", "/etc/gshadow", "/etc/sudoers", "/etc/ssh", "/etc/gitconfig")
UNSHARE = ("--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts")
SCRATCH = ("/tmp", "/var/tmp", "/dev/shm")  # noqa: S108 - private tmpfs inside the sandbox
TMPDIR_NAMES = ("TMPDIR", "TEMP", "TMP")


def find_bwrap(environ: Mapping[str, str] | None = None) -> str | None:
    return shutil.which("bwrap", path=(environ or os.environ).get("PATH"))


def sandbox_works(bwrap: str) -> str | None:
    """``None`` when ``bwrap`` can create the namespaces here; else why not, in one line."""
    argv = [bwrap, *UNSHARE, "--unshare-net", "--ro-bind", "/", "/", "--", "true"]
    try:
        done = proc.run(argv, env={"PATH": "/usr/bin:/bin"}, timeout=30)
    except Exception as exc:
        return str(exc)
    if done.ok:
        return None
    return " ".join(done.stderr.split())[:200] or done.describe()


def bwrap_prefix(
    bwrap: str,
    roots: Sequence[Path],
    outputs: Sequence[Path],
    job: Command,
    *,
    network: bool,
    home: str | None,
) -> list[str]:
    """bubblewrap's part of the command line for ``job``, up to the ``--`` after which the jail
    and the job's command follow. ``roots`` and ``outputs`` are the worktrees and the result
    folders of every job started with it (a duet's two sides share them)."""
    argv = [bwrap, *UNSHARE, "--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if not network:
        argv.append("--unshare-net")
    argv += ["--hostname", "ciopt-sandbox", *_system(network)]
    argv += ["--proc", "/proc", "--dev", "/dev"]
    for name in SCRATCH:
        argv += ["--tmpfs", name]
    if home and home != "/" and not system_path(Path(home)):
        argv += ["--tmpfs", home]
    reads = {*interpreter_dirs(job.argv), INJECT_DIR, *input_files([job], [*roots, INJECT_DIR])}
    for path in sorted(reads):
        if not system_path(path):
            argv += ["--ro-bind", str(path), str(path)]
    for path in sorted({*roots, *outputs}):
        argv += ["--bind", str(path), str(path)]
    for root in roots:  # where ciopt's own git finds the repository: not the job's to change
        if (root / ".git").is_file():
            argv += ["--ro-bind", str(root / ".git"), str(root / ".git")]
    return [*argv, "--chdir", str(job.cwd), "--"]


def _system(network: bool) -> list[str]:
    """The system folders, read-only, with this machine's secret files hidden."""
    argv: list[str] = []
    for name in SYSTEM_DIRS:
        path = Path(name)
        if path.is_symlink():
            argv += ["--symlink", os.readlink(path), name]
        elif path.is_dir():
            argv += ["--ro-bind", name, name]
    for name in HIDDEN_FILES:
        if Path(name).is_dir():
            argv += ["--tmpfs", name]
        elif Path(name).exists():
            argv += ["--ro-bind", "/dev/null", name]
    if network:  # a resolv.conf that points into /run (systemd-resolved)
        argv += ["--ro-bind-try", "/run/systemd/resolve", "/run/systemd/resolve"]
    return argv


class SandboxExecutor:
    """Jobs in bubblewrap sandboxes; ``network`` lets them reach the network."""

    name = "sandbox"
    isolation = "sandbox (bubblewrap: user, PID, IPC, UTS and network namespaces)"

    def __init__(self, bwrap: str, *, network: bool = False) -> None:
        self.bwrap = bwrap
        self.network = network
        self._in_flight = InFlight()
        if network:
            self.isolation = "sandbox (bubblewrap: user, PID, IPC and UTS namespaces; network on)"

    def run(
        self, cwd: Path, argv: Sequence[str], *, env: Mapping[str, str], timeout: float
    ) -> Completed:
        return self.run_together([Command(cwd, tuple(argv), env)], timeout=timeout)[0]

    def run_together(self, jobs: Sequence[Command], *, timeout: float) -> list[Completed]:
        """Every job in its own sandbox, all started at once; the writes of all are checked
        together (they share output folders)."""
        roots = [j.cwd for j in jobs]
        outputs = output_dirs(jobs, [*roots, INJECT_DIR], inputs=False)
        for folder in outputs:  # the folders of the paths ciopt named for results
            folder.mkdir(parents=True, exist_ok=True)
        with self._in_flight.running(jobs) as allowed:
            writes = Writes(outputs)
            with ThreadPoolExecutor(max_workers=max(1, len(jobs))) as pool:
                futures = [pool.submit(self._one, roots, outputs, job, timeout) for job in jobs]
                done = [future.result() for future in futures]
            wrote = writes.violations(allowed())  # which job wrote is not known: each is told
        return [with_violations(d, wrote) for d in done]

    def _one(
        self, roots: Sequence[Path], outputs: Sequence[Path], job: Command, timeout: float
    ) -> Completed:
        env = dict(job.env)
        for name in TMPDIR_NAMES:  # this machine's temporary folder is not there
            if name in env:
                env[name] = "/tmp"  # noqa: S108 - the sandbox's private tmpfs
        home = env.get("HOME")
        prefix = bwrap_prefix(self.bwrap, roots, outputs, job, network=self.network, home=home)
        done, reported = jailed(prefix, job, env=env, timeout=timeout)
        if not reported and "bwrap:" in done.stderr and done.returncode != 0:
            raise EnvironmentProblem(
                "executor sandbox: bubblewrap could not start the job: "
                f"{' '.join(done.stderr.split())[:300]}",
                reason="executor_failed",
            )
        return done
