"""The sandbox executor (bubblewrap), tried with hostile code on this machine."""

from __future__ import annotations

import os
import secrets
import socket
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from ciopt.errors import ConfigError
from ciopt.executors import Command, ExecutorOptions, open_executor, scrubbed_env
from ciopt.executors.sandbox import SandboxExecutor, find_bwrap
from tests.helpers.hostile import Runner, alive, leaks, plant_runner

BWRAP = find_bwrap()
pytestmark = pytest.mark.skipif(BWRAP is None, reason="bubblewrap is not installed")
MARK = "ciopt-hostile-" + secrets.token_hex(4)  # in the command line of what hostile code leaves


@pytest.fixture
def sandbox() -> SandboxExecutor:
    assert BWRAP is not None
    return SandboxExecutor(BWRAP)


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    return plant_runner(tmp_path)


def test_hostile_code_in_the_sandbox_reads_no_secret_through_any_channel(runner: Runner) -> None:
    dump, isolation = runner.dump("sandbox", sys.executable)
    assert isolation.startswith("sandbox (bubblewrap")
    assert leaks(dump, runner.values) == []
    # it did look: its own processes only, its own empty home, no repository behind the worktree
    assert dump["counts"]["proc"] >= 2
    assert dump["files"] == []
    denied = "\n".join(dump["denied"])
    assert f"{runner.event}: FileNotFoundError" in denied
    assert "/config: FileNotFoundError" in denied  # the main repository's .git/config


def test_the_same_dump_finds_every_secret_without_isolation(runner: Runner) -> None:
    """The test's own check: under the local executor the dump does find what is planted."""
    dump, isolation = runner.dump("local", sys.executable)
    assert isolation == "none"
    found = {line.split(": ", 1)[1].split(" ")[0] for line in leaks(dump, runner.values)}
    assert found == set(runner.values)


def _job(cwd: Path, code: str, **env: str) -> Command:
    return Command(
        cwd, (sys.executable, "-c", textwrap.dedent(code)), scrubbed_env(os.environ, **env)
    )


def test_the_system_is_read_only_and_the_worktree_and_named_outputs_are_writable(
    sandbox: SandboxExecutor, tmp_path: Path
) -> None:
    wt, out = tmp_path / "wt", tmp_path / "out"
    wt.mkdir()
    out.mkdir()
    code = f"""
        import os, pathlib
        for path in ("/usr/ciopt-test", "{tmp_path}/beside", os.path.expanduser("~/{MARK}")):
            try:
                pathlib.Path(path).write_text("x"); print("wrote", path)
            except OSError as exc:
                print("refused", path, type(exc).__name__)
        pathlib.Path("here.txt").write_text("ok")
        pathlib.Path("{out}/result.json").write_text("{{}}")
        """
    job = _job(wt, code)
    job = Command(job.cwd, (*job.argv, f"--json={out}/result.json"), job.env)
    done = sandbox.run(job.cwd, job.argv, env=job.env, timeout=60)
    assert done.ok, done.stderr
    assert "refused /usr/ciopt-test" in done.stdout
    # /tmp and HOME are the sandbox's own scratch space: what lands there is gone with it
    assert f"wrote {tmp_path}/beside" in done.stdout
    assert not (Path.home() / MARK).exists()
    assert (wt / "here.txt").read_text() == "ok"
    assert (out / "result.json").read_text() == "{}"
    assert not (tmp_path / "beside").exists()
    assert done.violations == ()


def test_a_file_written_beside_the_results_is_a_violation_and_is_removed(
    sandbox: SandboxExecutor, tmp_path: Path
) -> None:
    wt, out = tmp_path / "wt", tmp_path / "out"
    wt.mkdir()
    out.mkdir()
    code = f"""
        import pathlib
        pathlib.Path("{out}/result.json").write_text("{{}}")
        pathlib.Path("{out}/stolen.txt").write_text("secrets")
        """
    done = sandbox.run(wt, [*_job(wt, code).argv, f"--json={out}/result.json"], env={}, timeout=60)
    assert done.ok, done.stderr
    assert done.violations == (f"wrote outside its worktree: {out}/stolen.txt",)
    assert not (out / "stolen.txt").exists()
    assert (out / "result.json").exists()


def test_a_process_left_running_is_a_violation_and_does_not_outlive_the_job(
    sandbox: SandboxExecutor, tmp_path: Path
) -> None:
    code = f"""
        import subprocess, sys
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)", "{MARK}"],
                         start_new_session=True)
        print("started")
        """
    done = sandbox.run(tmp_path, _job(tmp_path, code).argv, env={}, timeout=60)
    assert done.ok and done.stdout == "started\n", done.stderr
    assert len(done.violations) == 1
    assert done.violations[0].startswith("left 1 process(es) running: ")
    assert MARK in done.violations[0]
    assert alive(MARK) == []


def test_a_timeout_ends_every_process_of_the_job(sandbox: SandboxExecutor, tmp_path: Path) -> None:
    code = f"""
        import subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)", "{MARK}"])
        time.sleep(3600)
        """
    done = sandbox.run(tmp_path, _job(tmp_path, code).argv, env={}, timeout=2)
    assert done.timed_out and not done.ok
    assert alive(MARK) == []


def _accept_one(server: socket.socket) -> None:
    server.accept()[0].close()


def test_no_network_unless_asked(tmp_path: Path) -> None:
    assert BWRAP is not None
    with socket.create_server(("127.0.0.1", 0)) as server:
        port = server.getsockname()[1]
        threading.Thread(target=_accept_one, args=(server,), daemon=True).start()
        code = f"""
            import socket
            try:
                socket.create_connection(("127.0.0.1", {port}), timeout=5).close(); print("reached")
            except OSError as exc:
                print("unreachable", type(exc).__name__)
            """
        closed = SandboxExecutor(BWRAP).run(tmp_path, _job(tmp_path, code).argv, env={}, timeout=60)
        opened = SandboxExecutor(BWRAP, network=True)
        reached = opened.run(tmp_path, _job(tmp_path, code).argv, env={}, timeout=60)
    assert closed.stdout.startswith("unreachable"), closed.stderr
    assert reached.stdout == "reached\n", reached.stderr
    assert "network on" in opened.isolation


def test_both_sides_of_a_duet_start_together_in_their_own_sandboxes(
    sandbox: SandboxExecutor, tmp_path: Path
) -> None:
    """The barrier of a duet round is a folder both sandboxes write to; each has its own pids."""
    barrier = tmp_path / "bench" / "barrier"
    barrier.mkdir(parents=True)
    code = """
        import os, pathlib, time, uuid
        folder = pathlib.Path(os.environ["CIOPT_BARRIER"])
        (folder / f"ready-{os.getpid()}-{uuid.uuid4().hex}").touch()
        start = time.monotonic()
        while len(list(folder.glob("ready-*"))) < 2 and time.monotonic() - start < 20:
            time.sleep(0.01)
        print(len(list(folder.glob("ready-*"))), os.getpid(), round(time.monotonic() - start, 1))
        """
    sides = []
    for side in ("base", "head"):
        root = tmp_path / side
        root.mkdir()
        sides.append(_job(root, code, CIOPT_BARRIER=str(barrier)))
    done = sandbox.run_together(sides, timeout=60)
    assert [d.stdout.split()[:2] for d in done] == [["2", "3"], ["2", "3"]], done[0].stderr
    assert all(float(d.stdout.split()[2]) < 20 for d in done)
    assert [d.violations for d in done] == [(), ()]


def test_asking_for_the_sandbox_where_bubblewrap_is_missing_is_a_clear_error(
    tmp_path: Path,
) -> None:
    with pytest.raises(ConfigError, match=r"executor sandbox: bubblewrap is not installed"):
        open_executor("sandbox", ExecutorOptions(environ={"PATH": str(tmp_path)}))


def test_auto_chooses_the_sandbox_here_and_says_why_not_dagger() -> None:
    with open_executor("auto", ExecutorOptions(environ={"PATH": os.environ["PATH"]})) as opened:
        assert (opened.name, opened.isolated) == ("sandbox", True)
        assert opened.note is not None
        assert opened.note.startswith("executor auto chose sandbox (dagger: ")


def test_a_job_that_kills_ciopts_watch_is_a_violation(
    sandbox: SandboxExecutor, tmp_path: Path
) -> None:
    code = "import os, signal; os.kill(os.getppid(), signal.SIGKILL)"
    done = sandbox.run(tmp_path, _job(tmp_path, code).argv, env={}, timeout=60)
    assert done.violations == ("ended ciopt's watch over it (no report of what it left running)",)


def test_the_job_reads_nothing_of_ciopts_own_input(
    sandbox: SandboxExecutor, tmp_path: Path
) -> None:
    code = "import sys; print(repr(sys.stdin.read()))"
    done = sandbox.run(tmp_path, _job(tmp_path, code).argv, env={}, timeout=30)
    assert done.ok and done.stdout == "''\n", done.stderr
