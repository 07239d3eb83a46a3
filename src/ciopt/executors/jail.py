"""Running a job under ``ciopt_jail.py`` and reading its report: what the job left running.

``jailed`` runs ``[*prefix, python, ciopt_jail.py, FD, --, *argv]``: the prefix isolates
(bubblewrap, setpriv), the jail runs the job's command, then kills and reports the processes it
left. The report comes back through a pipe the job's command never holds. A jail that sent no
report although the job did not time out was killed from inside: that is a violation too.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

from ciopt import proc
from ciopt.executors.base import Command
from ciopt.executors.paths import is_interpreter
from ciopt.executors.watch import describe_left
from ciopt.inject import INJECT_DIR
from ciopt.proc import Completed

__all__ = ["JAIL", "jail_python", "jailed", "with_violations"]

JAIL = str(INJECT_DIR / "ciopt_jail.py")
NO_REPORT = "ended ciopt's watch over it (no report of what it left running)"


def jail_python(argv: Sequence[str]) -> str:
    """The interpreter that runs the jail: the job's own (the one sure to be there)."""
    return next((arg for arg in argv if is_interpreter(arg)), "python3")


def jailed(
    prefix: Sequence[str],
    job: Command,
    *,
    env: Mapping[str, str],
    timeout: float,
    cwd: Path | None = None,
) -> tuple[Completed, bool]:
    """The job's result, with what it left as violations; and whether the jail reported."""
    with _pipe() as (read_fd, write_fd):
        argv = [*prefix, jail_python(job.argv), JAIL, str(write_fd), "--", *job.argv]
        done = proc.run(  # stdin empty: nothing of ciopt's own input reaches the job
            argv, cwd=cwd or job.cwd, env=env, timeout=timeout, pass_fds=[write_fd], stdin=""
        )
        os.close(write_fd)
        report = _read(read_fd)
    if "returncode" not in report:
        lost = [] if done.timed_out else [NO_REPORT]
        return _result(job, done, done.returncode, lost), False
    listed = report.get("left")
    left = [str(p.get("cmdline", "?")) for p in listed] if isinstance(listed, list) else []
    count = report.get("count")
    seen = tuple(describe_left(left, count if isinstance(count, int) else None))
    return _result(job, done, int(str(report["returncode"])), seen), True


def with_violations(done: Completed, violations: Sequence[str]) -> Completed:
    if not violations:
        return done
    return replace(done, violations=(*done.violations, *violations))


def _result(job: Command, done: Completed, code: int, seen: Sequence[str]) -> Completed:
    """``done`` as the job's: its own argv (not the jail's), and the child's exit status."""
    code = -1 if done.timed_out else code
    return replace(done, argv=tuple(job.argv), returncode=code, violations=tuple(seen))


@contextlib.contextmanager
def _pipe() -> Iterator[tuple[int, int]]:
    read_fd, write_fd = os.pipe()
    try:
        yield read_fd, write_fd
    finally:
        for fd in (read_fd, write_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


def _read(fd: int) -> dict[str, object]:
    chunks = []
    while chunk := os.read(fd, 65536):
        chunks.append(chunk)
    try:
        report = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        return {}
    return report if isinstance(report, dict) else {}
