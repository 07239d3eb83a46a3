"""The uid executor: when ciopt runs as root and no sandbox can start, the client's processes
run as an unprivileged user of their own (``setpriv``).

Where it applies: containers that forbid new namespaces (GitLab's Docker executor, most CI
images) but run jobs as root. The job's processes get a uid nothing else on the machine has,
no supplementary groups, no capabilities, ``no_new_privs`` (a setuid program cannot raise them
again), a private ``HOME`` and temporary folder. What that protects: ciopt's and its parents'
``/proc/<pid>/environ`` and memory (another uid's), root's files (``/root``, a ``0600``
credentials file), the main repository's ``.git`` (made ``0700`` while the executor is open).
What it does not: anything world-readable on the machine (``/proc/<pid>/cmdline``, files with
``o+r``), and the network. The sandbox (bubblewrap) is stronger; this is the ladder's last rung.

Each job runs under ``ciopt_jail.py`` (``jail``), which kills and reports what the job left
running as that uid. After each job, ciopt looks again from outside (a job may kill its jail):
a process still running as that uid, or a file of that uid left in a shared temporary folder or
beside the job's results, is a violation (``Completed.violations``), and is killed or removed.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import stat
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from ciopt.errors import EnvironmentProblem
from ciopt.executors.base import Command, in_threads
from ciopt.executors.jail import jail_python, jailed, with_violations
from ciopt.executors.paths import named_paths, output_dirs
from ciopt.executors.watch import Writes, describe_left
from ciopt.inject import INJECT_DIR
from ciopt.proc import Completed

__all__ = ["FIRST_UID", "UidExecutor", "free_uid", "uid_drop_works"]

FIRST_UID = 61000  # above the ranges Debian gives users (1000-59999) and system users
SHARED_TMP = ("/tmp", "/var/tmp", "/dev/shm")  # noqa: S108 - where any uid may write
KILL_ROUNDS = 50


def uid_drop_works(environ: Mapping[str, str]) -> str | None:
    """``None`` when this process can drop a job to another uid; else why not."""
    if os.geteuid() != 0:
        return "ciopt does not run as root"
    if shutil.which("setpriv", path=environ.get("PATH")) is None:
        return "setpriv (util-linux) is not installed"
    return None


def free_uid(start: int = FIRST_UID) -> int:
    """The first uid from ``start`` that no user, process or file in a shared folder has."""
    taken = {int(line.split(":")[2]) for line in _lines("/etc/passwd") if line.count(":") >= 2}
    taken |= {uid for _pid, uid in _processes()}
    for folder in SHARED_TMP:
        with contextlib.suppress(OSError):
            taken |= {entry.stat(follow_symlinks=False).st_uid for entry in os.scandir(folder)}
    uid = start
    while uid in taken:
        uid += 1
    return uid


class UidExecutor:
    """Jobs as uid ``uid`` through ``setpriv``; ``hide``: folders made ``0700`` while open."""

    name = "uid"

    def __init__(self, setpriv: str, uid: int, *, hide: Sequence[Path] = ()) -> None:
        self.setpriv = setpriv
        self.uid = uid
        self.isolation = f"uid drop (setpriv: uid {uid}, no capabilities, no_new_privs)"
        self.scratch = Path(tempfile.mkdtemp(prefix="ciopt-uid-"))
        self.scratch.chmod(0o711)
        self._hidden: list[tuple[Path, int]] = []
        for folder in hide:
            with contextlib.suppress(OSError):
                mode = stat.S_IMODE(folder.stat().st_mode)
                folder.chmod(0o700)
                self._hidden.append((folder, mode))
        self._opened: set[Path] = set()
        self._lock = threading.Lock()  # one job (or one duet) at a time: the checks are per uid

    def run(
        self, cwd: Path, argv: Sequence[str], *, env: Mapping[str, str], timeout: float
    ) -> Completed:
        return self.run_together([Command(cwd, tuple(argv), env)], timeout=timeout)[0]

    def run_together(self, jobs: Sequence[Command], *, timeout: float) -> list[Completed]:
        with self._lock:
            roots = [j.cwd for j in jobs]
            outputs = output_dirs(jobs, [*roots, INJECT_DIR], inputs=False)
            for path in (*roots, *outputs):
                self._open_up(path)
            writes = Writes(outputs)
            done = in_threads(_Dropped(self), jobs, timeout=timeout)
            allowed = [p for job in jobs for p in named_paths(job)]
            found = describe_left(self._kill_all()) + writes.violations(allowed)
            found += self._shared_files()
        return [with_violations(d, found) for d in done]

    def command(self, job: Command) -> tuple[list[str], dict[str, str]]:
        """``setpriv``'s part of the command line (the jail and the job's command follow), and
        the job's environment with a private ``HOME`` and temporary folder."""
        home = self.scratch / "home"
        tmp = self.scratch / "tmp"
        for folder in (home, tmp):
            if not folder.is_dir():
                folder.mkdir()
                os.chown(folder, self.uid, self.uid)
                folder.chmod(0o700)
        env = {**job.env, "HOME": str(home), "TMPDIR": str(tmp)}
        for name in ("TEMP", "TMP"):
            if name in env:
                env[name] = str(tmp)
        self._check_reachable(job.argv)
        prefix = [
            self.setpriv,
            f"--reuid={self.uid}",
            f"--regid={self.uid}",
            "--clear-groups",
            "--no-new-privs",
            "--inh-caps=-all",
            "--bounding-set=-all",
            "--",
        ]
        return prefix, env

    def _check_reachable(self, argv: Sequence[str]) -> None:
        """A clear error when the interpreter lies in a folder other users cannot enter."""
        python = Path(jail_python(argv))
        for folder in python.parents if python.is_absolute() else ():
            if folder.exists() and not folder.stat().st_mode & stat.S_IXOTH:
                raise EnvironmentProblem(
                    f"executor uid: {python} is in {folder}, which other users cannot enter; "
                    "install the project's Python outside root's home (or chmod o+x it), "
                    "or use the sandbox or dagger executor",
                    reason="executor_failed",
                )

    def _open_up(self, path: Path) -> None:
        """Make ``path`` (a worktree or an output folder of ciopt's) writable by the uid.

        The worktree's ``.git`` file stays read-only: ciopt's own git reads it later."""
        if path in self._opened or not path.exists():
            return
        for folder in path.parents:  # enterable on the way down
            mode = folder.stat().st_mode
            if mode & stat.S_IXOTH:
                continue
            if not folder.name.startswith("ciopt-"):
                raise EnvironmentProblem(
                    f"executor uid: {path} is in {folder}, which other users cannot enter; "
                    "put ciopt's output folder elsewhere (--out) or chmod o+x that folder",
                    reason="executor_failed",
                )
            folder.chmod(stat.S_IMODE(mode) | stat.S_IXOTH)  # a temporary folder of ciopt's
        for dirpath, dirs, files in os.walk(path):
            os.chmod(dirpath, 0o777)  # noqa: S103 - ciopt's own folder for this job
            for name in files:
                file = os.path.join(dirpath, name)
                if name != ".git" and not os.path.islink(file):
                    os.chmod(file, stat.S_IMODE(os.lstat(file).st_mode) | 0o666)  # noqa: S103
            dirs[:] = [d for d in dirs if d != ".git"]
        self._opened.add(path)

    def _kill_all(self) -> list[str]:
        """Kill every process of the uid; their command lines, as first seen."""
        seen: dict[int, str] = {}
        for _ in range(KILL_ROUNDS):
            alive = [pid for pid, uid in _processes() if uid == self.uid]
            if not alive:
                break
            for pid in alive:
                seen.setdefault(pid, _cmdline(pid))
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.01)
        return list(seen.values())

    def _shared_files(self) -> list[str]:
        """Files of the uid in the machine's shared temporary folders (removed)."""
        found = []
        for folder in SHARED_TMP:
            with contextlib.suppress(OSError):
                for entry in os.scandir(folder):
                    if entry.stat(follow_symlinks=False).st_uid == self.uid:
                        found.append(entry.path)
                        _remove(Path(entry.path))
        return [f"wrote outside its worktree: {', '.join(sorted(found)[:5])}"] if found else []

    def close(self) -> None:
        self._kill_all()
        for folder, mode in self._hidden:
            with contextlib.suppress(OSError):
                folder.chmod(mode)
        self._hidden.clear()
        shutil.rmtree(self.scratch, ignore_errors=True)


class _Dropped:
    """One job through ``setpriv`` and the jail (what ``in_threads`` runs)."""

    name = "uid"

    def __init__(self, owner: UidExecutor) -> None:
        self.owner = owner

    def run(
        self, cwd: Path, argv: Sequence[str], *, env: Mapping[str, str], timeout: float
    ) -> Completed:
        job = Command(cwd, tuple(argv), env)
        prefix, dropped = self.owner.command(job)
        return jailed(prefix, job, env=dropped, timeout=timeout)[0]


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _lines(path: str) -> list[str]:
    try:
        return Path(path).read_text(errors="replace").splitlines()
    except OSError:
        return []


def _processes() -> list[tuple[int, int]]:
    """(pid, real uid) of every live process on the machine (zombies are done already).

    From ``status``, not the owner of ``/proc/<pid>``: a process that made itself
    non-dumpable shows as root's there."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            fields = dict(
                line.split(":", 1)
                for line in Path(f"/proc/{name}/status").read_text().splitlines()
                if ":" in line
            )
        except OSError:
            continue
        if fields.get("State", "").strip().startswith("Z"):
            continue
        found.append((int(name), int(fields.get("Uid", "-1 ").split()[0])))
    return found


def _cmdline(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()[:300]
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()
