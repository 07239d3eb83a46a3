"""``proc.undumpable``: another process of ciopt's user cannot read ciopt's environment or memory.

Root reads any process's ``/proc`` (``CAP_SYS_PTRACE``), so when the tests run as root, both the
process that holds the secret and the one that tries to read it run as ``nobody`` (``setpriv``):
two processes of one unprivileged user, as ciopt and the code under test are with the local
executor.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.helpers import require_command

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux's prctl")

SECRET = f"db-password-{uuid.uuid4().hex}"
READER = """
import sys
for name in ("environ", "mem"):
    try:
        with open(f"/proc/{sys.argv[1]}/{name}", "rb") as file:
            data = file.read() if name == "environ" else b""
        print(name, "secret" if sys.argv[2].encode() in data else "read")
    except OSError as exc:
        print(name, type(exc).__name__)
"""
WAIT = 'print("ready", flush=True)\nsys.stdin.read()\n'


def _as_one_user() -> list[str]:
    """The prefix that runs a process as ``nobody`` when the tests run as root."""
    if os.geteuid() != 0:
        return []
    require_command("setpriv", "util-linux", "to run both processes as one unprivileged user")
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


@contextmanager
def _holding(code: str) -> Iterator[subprocess.Popen[str]]:
    """A process with the secret in its environment, running ``code`` until its stdin closes
    (``code`` prints ``ready`` when there is something to read)."""
    env = {"PATH": os.environ["PATH"], "DB_PASSWORD": SECRET, "PYTHONDONTWRITEBYTECODE": "1"}
    holder = subprocess.Popen(
        [*_as_one_user(), sys.executable, "-c", code],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    try:
        yield holder
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
        holder.stdout.close()


def _read(pid: int) -> dict[str, str]:
    """What a process of the same user gets from ``/proc/<pid>/environ`` and ``mem``."""
    done = subprocess.run(
        [*_as_one_user(), sys.executable, "-c", READER, str(pid), SECRET],
        env={"PATH": os.environ["PATH"]},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return dict(line.split(" ", 1) for line in done.stdout.splitlines())


def test_a_process_of_the_same_user_reads_an_ordinary_process() -> None:
    """The control: without the call, the secret is there for the taking."""
    with _holding("import sys\n" + WAIT) as holder:
        assert holder.stdout and holder.stdout.readline() == "ready\n"
        seen = _read(holder.pid)
    assert seen["environ"] == "secret"


def test_an_undumpable_process_is_closed_to_its_own_user() -> None:
    code = "import sys\nfrom ciopt.proc import undumpable\nassert undumpable()\n" + WAIT
    with _holding(code) as holder:
        assert holder.stdout and holder.stdout.readline() == "ready\n"
        seen = _read(holder.pid)
    assert seen == {"environ": "PermissionError", "mem": "PermissionError"}


def test_the_ciopt_program_makes_itself_undumpable_before_its_command_runs() -> None:
    """``cli.main()`` as the program (no argv), with a command that waits to be read."""
    code = (
        "import sys\n"
        "from ciopt import cli\n"
        "from ciopt.commands import COMMANDS\n"
        "def wait(args):\n"
        "    " + WAIT.replace("\n", "\n    ").rstrip() + "\n"
        "    return 0\n"
        "COMMANDS['trace'].run = wait\n"
        "sys.argv = ['ciopt', 'trace', 'show', 'trace.jsonl']\n"
        "sys.exit(cli.main())\n"
    )
    with _holding(code) as holder:
        assert holder.stdout and holder.stdout.readline() == "ready\n"
        seen = _read(holder.pid)
    assert seen["environ"] == "PermissionError"
    assert holder.returncode == 0


def test_what_an_undumpable_process_starts_is_dumpable_again() -> None:
    """The kernel resets the flag at ``exec``: the client's processes stay as they were."""
    code = (
        "import subprocess, sys\n"
        "from ciopt.proc import undumpable\n"
        "assert undumpable()\n"
        "child = subprocess.Popen(['cat'], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)\n"
        "print(child.pid, flush=True)\n"
        "sys.stdin.read()\n"
        "child.stdin.close()\n"
        "child.wait()\n"
    )
    with _holding(code) as holder:
        assert holder.stdout
        child = int(holder.stdout.readline())
        assert _read(child)["environ"] == "secret"
        assert _read(holder.pid)["environ"] == "PermissionError"


def test_main_with_argv_leaves_the_callers_process_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A caller in the same process (these tests) keeps its process as it was."""
    from ciopt import cli  # noqa: PLC0415 - the module whose name is patched

    calls: list[str] = []

    def undumpable() -> bool:
        calls.append("undumpable")
        return True

    monkeypatch.setattr(cli, "undumpable", undumpable)
    with pytest.raises(SystemExit):
        cli.main(["--version"])
    assert calls == []
    monkeypatch.setattr(sys, "argv", ["ciopt", "--version"])
    with pytest.raises(SystemExit):
        cli.main()
    assert calls == ["undumpable"]
