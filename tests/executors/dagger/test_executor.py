"""The Dagger executor against a fake engine session (``fake_engine``): dagger-io builds real
queries against the Dagger schema; the fake records the pipelines and runs their commands here."""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ciopt.errors import CioptError, ConfigError, EnvironmentProblem
from ciopt.executors import Command, ExecutorOptions, open_executor
from ciopt.executors.dagger.executor import DaggerExecutor
from ciopt.executors.dagger.packaging import packaging_hash
from ciopt.inject import INJECT_DIR
from tests.helpers.fake_engine import Call, Exec, ExecResult, FakeEngine, HostRunner, State

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def engine(client_python: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    """A session as ``dagger run`` provides one: its port and token in the environment."""
    with FakeEngine(HostRunner(client_python)) as fake:
        for name, value in fake.environ().items():
            monkeypatch.setenv(name, value)
        yield fake


@pytest.fixture
def dagger_executor(engine: FakeEngine) -> Iterator[DaggerExecutor]:
    options = ExecutorOptions(image="python:3.11-slim", environ=dict(os.environ))
    with open_executor("dagger", options) as opened:
        assert opened.note is None
        assert isinstance(opened.executor, DaggerExecutor)
        numbers = itertools.count(1)
        opened.executor._nonce = lambda: f"nonce-{next(numbers)}"  # every job a new exec
        yield opened.executor


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "wt" / "base"
    root.mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    (root / "requirements.txt").write_text("numpy\n")
    return root


def host_dir(path: Path | str) -> tuple[Call, ...]:
    return (Call("host"), Call("directory", (("path", str(path)),)))


def test_a_job_runs_in_the_exact_pipeline(
    dagger_executor: DaggerExecutor, engine: FakeEngine, project: Path, client_python: str
) -> None:
    out = project.parent.parent / "out" / "bench"
    out.mkdir(parents=True)
    code = "import os, sys; open(sys.argv[1], 'w').write(os.environ['PYTHONHASHSEED'])"
    job_env = {"PYTHONHASHSEED": "7", "CIOPT_PROBE_OUT": str(out / "probe.json"), "LANG": "C"}
    done = dagger_executor.run(
        project,
        [client_python, "-c", code, str(out / "seed.txt")],
        env={**job_env, "PATH": "/usr/bin", "HOME": "/root"},
        timeout=60,
    )
    assert (done.returncode, done.timed_out) == (0, False), done.stderr
    assert (out / "seed.txt").read_text() == "7"  # the command ran, and saw its variables

    [(pipeline, state)] = list(engine.containers())
    assert pipeline[:2] == (Call("container"), Call("from", (("address", "python:3.11-slim"),)))
    assert state.image == "python:3.11-slim"
    pip_cache = ("/root/.cache/pip", ("cache", f"ciopt-pip-{packaging_hash(project)[:16]}"))
    assert state.mounts == {
        "/src": ("host", str(project)),  # the install's source: the same path in every unit
        str(INJECT_DIR): ("host", str(INJECT_DIR)),
        str(project): ("host", str(project)),
        str(out): ("host", str(out)),  # the folder the job writes to, exported back after
    }
    assert state.workdir == str(project)
    assert state.files == {"/tmp/.ciopt-nonce": "nonce-1"}
    install, run = state.execs
    assert install.args == (
        "python", "-m", "pip", "install", "-e", ".", "-r", "requirements.txt",
        "pytest", "pytest-benchmark",
    )  # fmt: skip
    assert install.env == ()  # the install step sees no variables of ciopt's
    assert install.workdir == "/src"
    assert dict(install.mounts) == dict([pip_cache, ("/src", ("host", str(project)))])
    assert pip_cache[0] not in dict(run.mounts)  # code under test never sees pip's cache
    assert run.args == ("timeout", "-k", "10", "60", "python", "-c", code, str(out / "seed.txt"))
    assert dict(run.env) == job_env  # exactly the job's; this machine's PATH and HOME stay out
    assert run.expect == "ANY"
    assert [path for _, path in engine.exported] == [str(out)]


def test_the_test_container_is_built_once_per_set_of_packaging_files(
    dagger_executor: DaggerExecutor, engine: FakeEngine, project: Path
) -> None:
    for _ in range(2):
        dagger_executor.run(project, ["python", "-c", "pass"], env={}, timeout=30)
    first, second = (state for _, state in engine.containers())
    assert first.execs[0] == second.execs[0]  # the same install: the engine's cache holds it
    assert first.files != second.files  # a new nonce: the second run is run, not remembered
    assert len(dagger_executor._containers) == 1
    (project / "requirements.txt").write_text("numpy\nscipy\n")
    dagger_executor.run(project, ["python", "-c", "pass"], env={}, timeout=30)
    assert len(dagger_executor._containers) == 2


def test_secrets_never_reach_a_container(
    dagger_executor: DaggerExecutor, engine: FakeEngine, project: Path
) -> None:
    for name in ("GITHUB_TOKEN", "OPENAI_API_KEY", "CI_JOB_TOKEN", "CIOPT_GITHUB_TOKEN"):
        with pytest.raises(CioptError, match=f"refusing to pass {name} into a container"):
            dagger_executor.run(project, ["python", "-V"], env={name: "x"}, timeout=30)
    assert engine.queries == [] or not list(engine.containers())


def test_both_sides_of_a_round_run_together_in_one_container(
    dagger_executor: DaggerExecutor, engine: FakeEngine, tmp_path: Path, client_python: str
) -> None:
    """Each side waits for the other's file: run one after the other, they would time out."""
    roots = [tmp_path / "wt" / side for side in ("base", "head")]
    rendezvous = tmp_path / "rendezvous"
    rendezvous.mkdir()
    wait = (
        "import os, sys, time; d, me, other = sys.argv[1:]; open(os.path.join(d, me), 'w')\n"
        "t = time.time()\n"
        "while not os.path.exists(os.path.join(d, other)):\n"
        "    assert time.time() - t < 20, 'alone'; time.sleep(0.01)\n"
        "print(me, os.environ['SIDE'])"
    )
    jobs = []
    for root, (me, other) in zip(roots, [("a", "b"), ("b", "a")], strict=True):
        root.mkdir(parents=True)
        argv = (client_python, "-c", wait, str(rendezvous), me, other)
        jobs.append(Command(root, argv, {"SIDE": root.name, "CIOPT_BARRIER": str(rendezvous)}))
    base, head = dagger_executor.run_together(jobs, timeout=60)
    assert (base.returncode, base.stdout) == (0, "a base\n"), base.stderr
    assert (head.returncode, head.stdout) == (0, "b head\n"), head.stderr
    [(_, state)] = list(engine.containers())  # one container, one exec for the round
    assert {str(roots[0]), str(roots[1]), str(rendezvous)} <= set(state.mounts)
    [_, together] = state.execs
    assert together.args == (
        "python",
        str(INJECT_DIR / "ciopt_together.py"),
        "/tmp/.ciopt-together.json",
    )
    spec = json.loads(state.files["/tmp/.ciopt-together.json"])
    assert [job["cwd"] for job in spec["jobs"]] == [str(r) for r in roots]
    assert spec["jobs"][0]["argv"][0] == "python"  # the image's interpreter
    assert spec["jobs"][1]["env"] == {"CIOPT_BARRIER": str(rendezvous), "SIDE": "head"}


def test_a_job_past_its_timeout_is_killed(dagger_executor: DaggerExecutor, project: Path) -> None:
    done = dagger_executor.run(
        project, ["python", "-c", "import time; time.sleep(30)"], env={}, timeout=1
    )
    assert done.timed_out
    assert done.returncode == -1
    assert done.seconds < 15


def test_a_failed_install_says_which_command_failed(
    engine: FakeEngine, project: Path, client_python: str
) -> None:
    def runner(state: State, step: Exec) -> ExecResult:
        return ExecResult(1, "", "ERROR: No matching distribution found for numpy")

    engine.runner = runner
    options = ExecutorOptions(environ=dict(os.environ))
    with open_executor("dagger", options) as opened, pytest.raises(EnvironmentProblem) as caught:
        opened.run(project, ["python", "-V"], env={}, timeout=30)
    message = str(caught.value)
    assert message.startswith("executor dagger: `python -m pip install -e . -r requirements.txt")
    assert "No matching distribution found for numpy" in message


def test_auto_with_nothing_available_falls_back_to_local_and_says_why(tmp_path: Path) -> None:
    environ = {"PATH": str(tmp_path)}  # no dagger CLI, bwrap or setpriv on it, no session
    with open_executor("auto", ExecutorOptions(environ=environ)) as opened:
        assert (opened.name, opened.isolated) == ("local", False)
        assert opened.note is not None
        assert "no isolation is available (dagger: the dagger CLI is not installed" in opened.note
        assert "sandbox: bubblewrap is not installed" in opened.note
        assert "local executor" in opened.note
        done = opened.run(tmp_path, [sys.executable, "-c", "print(2)"], env={}, timeout=30)
        assert done.stdout == "2\n"


def test_dagger_without_an_engine_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(
        ConfigError, match=r"executor dagger: no Dagger engine: .*use executor auto"
    ):
        open_executor("dagger", ExecutorOptions(environ={"PATH": str(tmp_path)}))


def test_auto_with_an_engine_uses_it(engine: FakeEngine) -> None:
    with open_executor("auto", ExecutorOptions(environ=dict(os.environ))) as opened:
        assert (opened.name, opened.note) == ("dagger", None)


def test_an_engine_that_does_not_answer_is_given_up_on(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("DAGGER_SESSION_PORT", "1")  # nothing listens there
    monkeypatch.setenv("DAGGER_SESSION_TOKEN", "t")
    environ = {**os.environ, "PATH": str(tmp_path)}  # and no sandbox: the ladder ends in local
    options = ExecutorOptions(environ=environ, connect_timeout=5)
    with open_executor("auto", options) as opened:
        assert opened.name == "local"
        assert opened.note is not None and "(dagger: " in opened.note


def test_an_engine_that_stops_answering_is_given_up_on(
    dagger_executor: DaggerExecutor, engine: FakeEngine, project: Path
) -> None:
    def stuck(state: State, step: Exec) -> ExecResult:
        time.sleep(2)
        return ExecResult(0)

    engine.runner = stuck
    dagger_executor.setup_seconds = 0.2
    started = time.monotonic()
    with pytest.raises(EnvironmentProblem, match=r"did not answer within 0\.5 s"):
        dagger_executor.run(project, ["python", "-V"], env={}, timeout=0.3)
    assert time.monotonic() - started < 1.5
