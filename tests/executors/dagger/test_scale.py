"""Dagger at scale: the units of a fanned-out run (``ciopt plan``; each CI job runs ``ciopt run
--unit``) pointed at one engine share the install of the client's dependencies.

Each unit here is what differs between the jobs: an executor session of its own on the engine,
its own worktrees (a temporary folder of its own, the ``.git`` file naming it), its candidate's
change to its target, the git-ignored files copied for its target's package
(``worktree_include``), its output folder and its seed. The fake engine models the engine's
layer cache (``FakeEngine(layer_cache=True)``: an exec keyed by the canonical query of its inputs,
a host folder by its content), and its log says which execs ran and which were served from the
cache. The figures are the README's ("Dagger at scale").
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest

from ciopt.client.worktrees import Worktrees
from ciopt.executors import Command, ExecutorOptions, open_executor
from ciopt.executors.dagger.executor import PIP_CACHE_PATH
from ciopt.git import Git
from tests.helpers.fake_engine import FakeEngine, HostRunner, LoggedExec
from tests.helpers.repo import git

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PIP_INSTALL = ("python", "-m", "pip", "install")
WRITE = "import sys; open(sys.argv[1], 'w').write(sys.argv[2])"


@dataclass(frozen=True)
class Unit:
    number: int
    target: str  # the file its candidate changes
    include: tuple[str, ...] = ()  # ignored files copied into its worktrees, for its target


UNITS = (
    Unit(1, "src/textkit/tokens.py", ("src/textkit/_version.py",)),
    Unit(2, "src/textkit/stats.py"),
    Unit(3, "src/textkit/render.py"),
)


@pytest.fixture
def repo(example_repo: Path) -> Path:
    """The example, with a ``_version.py`` that git ignores (as setuptools-scm writes one)."""
    with (example_repo / ".gitignore").open("a") as ignore:
        ignore.write("_version.py\n")
    git(example_repo, "commit", "--quiet", "-am", "ignore _version.py")
    (example_repo / "src" / "textkit" / "_version.py").write_text('version = "0.1.0"\n')
    return example_repo


def run_unit(
    engine: FakeEngine,
    monkeypatch: pytest.MonkeyPatch,
    repo: Path,
    sha: str,
    unit: Unit,
    out: Path,
    python: str,
) -> list[LoggedExec]:
    """One unit as its CI job runs it, on ``engine``: the baseline's job, its candidate's, a duet
    round of both; what the engine's log gained."""
    for name, value in engine.environ().items():
        monkeypatch.setenv(name, value)
    (out / "bench").mkdir(parents=True)
    before = len(engine.exec_log)
    options = ExecutorOptions(image="python:3.12-slim", environ=dict(os.environ))
    with (
        Worktrees(Git(repo), include=unit.include) as trees,
        open_executor("dagger", options) as opened,
    ):
        base, head = trees.add("base", sha), trees.add("c001", sha)
        with (head / unit.target).open("a") as target:
            target.write(f"\n# unit {unit.number}'s candidate\n")
        env = {"PYTHONHASHSEED": str(unit.number), "CIOPT_PROBE_OUT": str(out / "probe.json")}
        for root in (base, head):
            argv = [python, "-c", WRITE, str(out / f"{root.name}.txt"), root.name]
            assert opened.run(root, argv, env=env, timeout=60).returncode == 0
        jobs = [
            Command(
                root, (python, "-c", WRITE, str(out / "bench" / f"{root.name}.json"), "{}"), env
            )
            for root in (base, head)
        ]
        assert [done.returncode for done in opened.run_together(jobs, timeout=60)] == [0, 0]
    assert (out / "bench" / "c001.json").read_text() == "{}"  # the jobs ran, and wrote back
    return engine.exec_log[before:]


def installs(log: list[LoggedExec]) -> list[LoggedExec]:
    return [e for e in log if e.exec.args[:4] == PIP_INSTALL]


def pip_volumes(log: list[LoggedExec]) -> set[str]:
    return {dict(e.exec.mounts)[PIP_CACHE_PATH][1] for e in installs(log)}


def test_units_on_one_engine_install_once_per_set_of_packaging_files(
    repo: Path, tmp_path: Path, client_python: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    sha = Git(repo).resolve("HEAD")
    with FakeEngine(HostRunner(client_python), layer_cache=True) as engine:
        logs = [
            run_unit(
                engine, monkeypatch, repo, sha, unit, tmp_path / f"u{unit.number}", client_python
            )
            for unit in UNITS
        ]
        asked = [e for log in logs for e in installs(log)]
        assert len(asked) == 9  # each unit's 3 jobs build on the install
        assert len({e.key for e in asked}) == 1  # the same install step in every unit
        assert len(engine.executed(PIP_INSTALL)) == 1  # run once, then served from the cache
        assert [sum(not e.cached for e in installs(log)) for log in logs] == [1, 0, 0]
        assert len({volume for log in logs for volume in pip_volumes(log)}) == 1
        assert len({e.exec.mounts for e in asked}) == 3  # each from its own worktree, by path

        # a later run whose base changed a packaging file: installs again, into its own volume
        pyproject = repo / "pyproject.toml"
        pyproject.write_text(
            pyproject.read_text().replace("dependencies = []", 'dependencies = ["regex"]')
        )
        git(repo, "commit", "--quiet", "-am", "depend on regex")
        changed = Git(repo).resolve("HEAD")
        later = run_unit(
            engine, monkeypatch, repo, changed, UNITS[0], tmp_path / "later", client_python
        )
        assert len(engine.executed(PIP_INSTALL)) == 2
        assert pip_volumes(later).isdisjoint(pip_volumes(logs[0]))


def test_units_on_engines_of_their_own_install_each(
    repo: Path, tmp_path: Path, client_python: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same units, each on an engine of its own (each GitHub-hosted runner starts one)."""
    sha = Git(repo).resolve("HEAD")
    ran = []
    for unit in UNITS:
        with FakeEngine(HostRunner(client_python), layer_cache=True) as engine:
            out = tmp_path / f"u{unit.number}"
            run_unit(engine, monkeypatch, repo, sha, unit, out, client_python)
            ran.append(len(engine.executed(PIP_INSTALL)))
    assert ran == [1, 1, 1]  # 3 installs for the 3 units, against 1 on a shared engine
