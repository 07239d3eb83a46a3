"""The ``dagger/`` module's functions against a fake engine session: the exact pipelines, and
``test_container`` being the executor's pipeline call for call."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import dagger
import pytest

from ciopt.client.interpreter import PYTEST_BASE
from ciopt.config import DEFAULT_IMAGE
from ciopt.executors.dagger.executor import (
    PIP_CACHE_PATH,
    SOURCE_EXCLUDE,
    SOURCE_PATH,
    DaggerExecutor,
)
from ciopt.executors.dagger.packaging import PACKAGING, packaging_hash
from ciopt.inject import INJECT_DIR
from ciopt.measure.bench import CPU_TIMER
from tests.helpers.fake_engine import FakeEngine

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "dagger" / "src"))

from ciopt_bench import main  # noqa: E402
from ciopt_bench.main import (  # noqa: E402 - from the module folder, put on the path above
    CioptBench,
    bench_rounds,
    build_test_container,
    round_spec,
    run_tests,
)

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    """The session ``dagger call`` gives a module: its port and token in the environment."""
    with FakeEngine() as fake:
        for name, value in fake.environ().items():
            monkeypatch.setenv(name, value)
        yield fake


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "src").mkdir(parents=True)
    (root / "pyproject.toml").write_text('[project]\nname = "p"\nversion = "0"\n')
    return root


def call(coroutine_function: Any) -> Any:
    """Run ``coroutine_function(dag)`` inside a connection to the fake engine."""

    async def main() -> Any:
        async with dagger.connection():
            return await coroutine_function(dagger.dag)

    return anyio.run(main)


def test_the_module_keeps_ciopts_constants() -> None:
    """The module cannot import ciopt (``dagger call`` installs only the module): its copies of
    ciopt's constants must stay the same values."""
    assert list(PYTEST_BASE) == main.PYTEST_BASE
    assert main.DEFAULT_IMAGE == DEFAULT_IMAGE
    assert main.PIP_CACHE_PATH == PIP_CACHE_PATH
    assert main.SOURCE_PATH == SOURCE_PATH
    assert main.PACKAGING == PACKAGING
    assert main.CPU_TIMER == CPU_TIMER


def test_the_module_is_described_for_the_dagger_cli() -> None:
    config = json.loads((ROOT / "dagger" / "dagger.json").read_text())
    assert config["name"] == "ciopt-bench"
    assert config["sdk"] == {"source": "python"}
    assert (ROOT / "dagger" / config["source"] / "src" / "ciopt_bench" / "main.py").is_file()


def test_the_functions_are_the_modules(engine: FakeEngine, project: Path) -> None:
    """What ``dagger call ... test-container`` runs: the function, with the global client."""

    async def through_the_module(dag: dagger.Client) -> str:
        ctr: dagger.Container = await CioptBench().test_container(  # type: ignore[attr-defined]
            dag.host().directory(str(project)), "py:3", "/app"
        )
        return await ctr.id()

    state = FakeEngine.state(engine._ids[call(through_the_module)])
    assert (state.image, state.workdir) == ("py:3", "/app")


def test_test_container_is_the_executors_pipeline(engine: FakeEngine, project: Path) -> None:
    (project / "requirements").mkdir()
    for name in ("uv.lock", "requirements-dev.txt", "requirements/base.txt", "README.md"):
        (project / name).write_text(f"{name}\n")

    async def both(dag: dagger.Client) -> tuple[str, str]:
        source = dag.host().directory(str(project), exclude=list(SOURCE_EXCLUDE), gitignore=True)
        mine = await build_test_container(dag, source, "python:3.11-slim", SOURCE_PATH)
        executor = DaggerExecutor(dag, image="python:3.11-slim")
        theirs = executor.test_container(project)
        return await mine.id(), await theirs.id()

    module_id, executor_id = call(both)
    pipeline = engine._ids[module_id]
    assert pipeline == engine._ids[executor_id]
    state = FakeEngine.state(pipeline)
    assert state.image == "python:3.11-slim"
    assert state.mounts == {"/src": ("host", str(project))}  # pip's cache: the install's only
    [install] = state.execs
    volume = f"ciopt-pip-{packaging_hash(project)[:16]}"  # the module hashed what ciopt hashes
    assert dict(install.mounts)["/root/.cache/pip"] == ("cache", volume)
    assert install.args == (
        "python",
        "-m",
        "pip",
        "install",
        "-e",
        ".",
        "pytest",
        "pytest-benchmark",
    )


def test_test_runs_pytest_in_the_test_container(engine: FakeEngine, project: Path) -> None:
    (project / "requirements.txt").write_text("numpy\n")

    async def test(dag: dagger.Client) -> str:
        return await run_tests(dag, dag.host().directory(str(project)), ["-x", "tests"], "py:3")

    assert call(test) == ""
    [(_pipeline, state)] = list(engine.containers())
    assert state.mounts["/src"] == ("host", str(project))
    assert state.workdir == "/src"
    install, run = state.execs
    assert install.args[4:] == ("-e", ".", "-r", "requirements.txt", "pytest", "pytest-benchmark")
    assert run.args == ("python", "-m", "pytest", "-q", "-x", "tests")
    assert run.env == ()  # nothing of the caller's environment


def test_bench_runs_duet_rounds_in_one_container(
    engine: FakeEngine, project: Path, tmp_path: Path
) -> None:
    head = tmp_path / "head"
    head.mkdir()

    async def bench(dag: dagger.Client) -> str:
        host = dag.host()
        base, other, driver = (host.directory(str(p)) for p in (project, head, INJECT_DIR))
        out = await bench_rounds(
            dag, base, other, driver, ["benchmarks/test_bench.py"], 2, "py:3", 600
        )
        return await out.export(str(tmp_path / "bench"))

    assert call(bench) == str(tmp_path / "bench")
    [(_pipeline, state)] = list(engine.containers())
    assert state.mounts["/base"] == ("host", str(project))
    assert state.mounts["/head"] == ("host", str(head))
    assert state.mounts["/ciopt"] == ("host", str(INJECT_DIR))
    _install, mkdir, *rounds = state.execs
    assert mkdir.args == ("mkdir", "-p", "/out")
    assert [r.args for r in rounds] == [
        ("python", "/ciopt/ciopt_together.py", f"/tmp/round-{n}.json") for n in range(2)
    ]
    first = json.loads(state.files["/tmp/round-0.json"])
    second = json.loads(state.files["/tmp/round-1.json"])
    assert first == round_spec(0, ["benchmarks/test_bench.py"], 600)
    assert [j["cwd"] for j in first["jobs"]] == ["/base", "/head"]
    assert [j["cwd"] for j in second["jobs"]] == ["/head", "/base"]  # each side starts first
    assert first["barrier"] and first["pin_cpu"]
    assert "--benchmark-json=/out/round-1-head.json" in second["jobs"][0]["argv"]
    assert [path for _, path in engine.exported] == [str(tmp_path / "bench")]


def test_round_spec_is_what_the_together_driver_reads(tmp_path: Path) -> None:
    """``bench``'s spec, run by ciopt_together.py here: each side's command with its variables
    and the barrier's (the paths inside the container swapped for this machine's)."""
    spec: dict[str, Any] = round_spec(3, ["benchmarks"], 60)
    show = "import os; print(os.environ['PYTHONHASHSEED'], os.environ['CIOPT_BARRIER_PARTIES'])"
    for job in spec["jobs"]:
        assert job["argv"][:2] == ["python", "-m"]
        job["cwd"], job["argv"] = str(tmp_path), [sys.executable, "-c", show]
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    done = subprocess.run(
        [sys.executable, str(INJECT_DIR / "ciopt_together.py"), str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": os.environ["PATH"]},
    )
    assert [r["stdout"] for r in json.loads(done.stdout)] == ["3 2\n", "3 2\n"]
