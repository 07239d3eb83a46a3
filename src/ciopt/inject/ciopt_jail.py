"""ciopt's watch inside a sandbox: runs one command, then reports and ends what it left behind.

    python ciopt_jail.py FD -- ARGV...

Started as the first process of the job: by bubblewrap in a new PID namespace (beside
bubblewrap's own init, PID 1), or by ``setpriv`` as a uid of the job's own. Runs ARGV as its
child with the same stdio and environment, and waits for it. Then it lists the processes of its
uid still alive (all of the namespace's, in a sandbox), kills every one of them, and writes
``{"returncode": ..., "left": [{"pid": ..., "cmdline": ...}]}`` to FD: a pipe that only ciopt
reads and that the child never inherits. It exits with the child's status.

It makes itself non-dumpable first, so the code it runs (same uid, no capabilities) cannot
read its memory or open its file descriptors through ``/proc``.

Stdlib only: it runs under the client's interpreter.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import subprocess
import sys
import time

PR_SET_DUMPABLE = 4
MAX_LISTED = 20
KILL_ROUNDS = 50


def main(argv: list[str]) -> int:
    if len(argv) < 4 or argv[2] != "--":
        sys.stderr.write("usage: ciopt_jail.py FD -- ARGV...\n")
        return 2
    report_fd = int(argv[1])
    _undumpable()
    try:
        child = subprocess.Popen(argv[3:])
    except OSError as exc:
        _report(report_fd, {"returncode": 127, "left": [], "error": str(exc)})
        sys.stderr.write(f"ciopt_jail: cannot start {argv[3]}: {exc}\n")
        return 127
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    code = child.wait()
    left = [{"pid": pid, "cmdline": _cmdline(pid)} for pid in _others()]
    _kill_others()
    _report(report_fd, {"returncode": code, "left": left[:MAX_LISTED], "count": len(left)})
    return code if code >= 0 else 128 - code


def _undumpable() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _others() -> list[int]:
    """Live processes of this uid other than this one and PID 1 (a namespace's init)."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in (1, os.getpid()):
            continue
        try:
            with open(f"/proc/{name}/status") as f:
                fields = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue  # gone already
        uid = int(fields.get("Uid", "-1").split()[0])
        if uid == os.getuid() and not fields.get("State", "").strip().startswith("Z"):
            found.append(int(name))
    return sorted(found)


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            raw = f.read(300)
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


def _kill_others() -> None:
    """``kill(-1)``: every process this one may signal (its uid's) but itself and PID 1."""
    for _ in range(KILL_ROUNDS):
        with contextlib.suppress(ProcessLookupError):
            os.kill(-1, signal.SIGKILL)
        if not _others():
            return
        time.sleep(0.01)


def _report(fd: int, report: dict[str, object]) -> None:
    data = json.dumps(report).encode()
    with contextlib.suppress(OSError):
        while data:
            data = data[os.write(fd, data) :]
        os.close(fd)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
