"""The uid executor (setpriv), for where ciopt runs as root and no sandbox can start."""

from __future__ import annotations

import os
import secrets
import shutil
import stat
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from ciopt.errors import EnvironmentProblem
from ciopt.executors.uid import UidExecutor, free_uid
from tests.helpers.hostile import leaks, plant_runner

SETPRIV = shutil.which("setpriv")
PYTHON = "/usr/bin/python3"  # outside root's home: the dropped uid must be able to start it
pytestmark = pytest.mark.skipif(
    os.geteuid() != 0 or SETPRIV is None or not Path(PYTHON).exists(),
    reason="needs root, setpriv and /usr/bin/python3",
)
MARK = "ciopt-hostile-" + secrets.token_hex(4)


@pytest.fixture
def place() -> Iterator[Path]:
    """A folder of ciopt's own under /tmp (the dropped uid may enter it, unlike tmp_path)."""
    folder = Path(tempfile.mkdtemp(prefix="ciopt-test-"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def executor(place: Path) -> Iterator[UidExecutor]:
    assert SETPRIV is not None
    opened = UidExecutor(SETPRIV, free_uid())
    yield opened
    opened.close()


def test_hostile_code_as_another_uid_reads_no_secret(place: Path) -> None:
    runner = plant_runner(place)
    git_dir = runner.repo / ".git"
    dump, isolation = runner.dump("uid", PYTHON, hide=[git_dir])
    assert isolation.startswith("uid drop (setpriv: uid ")
    assert leaks(dump, runner.values) == []
    denied = "\n".join(dump["denied"])
    assert f"{runner.home}/.git-credentials: PermissionError" in denied
    assert f"{runner.event}: PermissionError" in denied
    assert "/environ: PermissionError" in denied  # the driver's, and the test's
    assert stat.S_IMODE(git_dir.stat().st_mode) != 0o700  # given back when closed


def _run(executor: UidExecutor, cwd: Path, code: str, timeout: float = 60):  # type: ignore[no-untyped-def]
    argv = [PYTHON, "-c", textwrap.dedent(code)]
    return executor.run(cwd, argv, env={"PATH": "/usr/bin:/bin"}, timeout=timeout)


def test_the_job_runs_as_its_own_uid_with_its_own_home_and_temp(
    executor: UidExecutor, place: Path
) -> None:
    wt = place / "wt"
    wt.mkdir()
    done = _run(
        executor,
        wt,
        """
        import os, tempfile, pathlib
        print(os.getuid(), os.getgid(), os.getgroups(), os.environ["HOME"], tempfile.gettempdir())
        pathlib.Path("here.txt").write_text("ok")
        """,
    )
    assert done.ok, done.stderr
    uid, gid, groups, home, tmp = done.stdout.split(" ", 4)
    assert (int(uid), int(gid), groups) == (executor.uid, executor.uid, "[]")
    assert home.startswith(str(executor.scratch)) and tmp.strip().startswith(str(executor.scratch))
    assert (wt / "here.txt").read_text() == "ok"
    assert done.violations == ()


def test_a_process_left_or_a_file_in_shared_tmp_is_a_violation_and_is_ended(
    executor: UidExecutor, place: Path
) -> None:
    leak = Path("/tmp") / MARK  # the shared temporary folder is the point
    done = _run(
        executor,
        place,
        f"""
        import subprocess, sys, pathlib
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)", "{MARK}"],
                         start_new_session=True)
        pathlib.Path("{leak}").write_text("secrets")
        """,
    )
    assert done.ok, done.stderr
    assert any(v.startswith("left 1 process(es) running: ") and MARK in v for v in done.violations)
    assert f"wrote outside its worktree: {leak}" in done.violations
    assert not leak.exists()
    assert not [p for p in os.listdir("/proc") if p.isdigit() and _uid(p) == executor.uid]


def _uid(pid: str) -> int | None:
    try:
        lines = Path(f"/proc/{pid}/status").read_text().splitlines()
    except OSError:
        return None
    fields = dict(line.split(":", 1) for line in lines if ":" in line)
    if fields["State"].strip().startswith("Z"):
        return None
    return int(fields["Uid"].split()[0])


def test_an_interpreter_the_uid_cannot_reach_is_a_clear_error(
    executor: UidExecutor, place: Path, tmp_path: Path
) -> None:
    hidden = tmp_path / "venv" / "bin" / "python"  # under pytest's 0700 folder
    hidden.parent.mkdir(parents=True)
    hidden.symlink_to(PYTHON)
    with pytest.raises(EnvironmentProblem, match=r"executor uid: .* which other users cannot"):
        executor.run(place, [str(hidden), "-V"], env={}, timeout=30)
