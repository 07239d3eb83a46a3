"""The one place ciopt starts processes: argument lists only, never a shell, always a timeout.

And what other processes may see of ciopt's own: ``undumpable``.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ciopt.errors import CioptError

__all__ = ["Completed", "run", "undumpable"]


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False
    # what an isolating executor saw the command do beyond its bounds (a process it left,
    # a file it wrote outside its worktree): ``executors.watch``
    violations: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def tail(self, lines: int = 15) -> str:
        """The last lines of combined output, for error messages."""
        text = (self.stdout + "\n" + self.stderr).strip()
        return "\n".join(text.splitlines()[-lines:])

    def describe(self) -> str:
        cmd = " ".join(self.argv)
        if self.timed_out:
            return f"`{cmd}` timed out after {self.seconds:.0f}s"
        return f"`{cmd}` exited {self.returncode}"


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 600.0,
    check: bool = False,
    stdin: str | None = None,
    pass_fds: Sequence[int] = (),
) -> Completed:
    """Run ``argv`` and capture its output; with ``check``, a failure raises ``CioptError``."""
    args = tuple(str(a) for a in argv)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            args,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            input=stdin,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
            pass_fds=tuple(pass_fds),
        )
    except FileNotFoundError as exc:
        raise CioptError(f"cannot run `{args[0]}`: it is not installed or not on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        out = _text(exc.stdout)
        err = _text(exc.stderr)
        done = Completed(args, -1, out, err, time.perf_counter() - start, timed_out=True)
        if check:
            raise CioptError(f"{done.describe()}: {done.tail(5)}") from exc
        return done
    done = Completed(args, proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start)
    if check and not done.ok:
        raise CioptError(f"{done.describe()}: {done.tail(5)}")
    return done


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


PR_SET_DUMPABLE = 4  # <linux/prctl.h>


def undumpable() -> bool:
    """Keep other processes of ciopt's user out of this one: ``prctl(PR_SET_DUMPABLE, 0)``.

    Linux then gives ``/proc/<pid>/environ``, ``mem``, ``maps``, ``fd`` of this process to root
    alone and refuses ``ptrace``, so the code under test, when it runs as the same user, can
    read neither the keys in ciopt's environment nor its memory. The processes ciopt starts are
    dumpable again after their ``exec`` (the kernel resets the flag), so nothing of the client's
    changes. Whether it was done; ``False`` on other systems, or where a seccomp filter refuses
    the call.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return int(prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)) == 0
