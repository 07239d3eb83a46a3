from __future__ import annotations

from pathlib import Path

import pytest

from ciopt.errors import CioptError
from ciopt.executors.base import Command
from ciopt.executors.dagger.mapping import container_argv, container_env, output_dirs


def test_the_clients_interpreter_becomes_the_images() -> None:
    argv = ["/home/u/.venv/bin/python3.12", "-m", "pytest", "/home/u/.venv/bin/pytest"]
    assert container_argv(argv, "python") == ["python", "-m", "pytest", "/home/u/.venv/bin/pytest"]
    assert container_argv(["valgrind", "/usr/bin/python3"], "py") == ["valgrind", "py"]


def test_the_container_keeps_its_own_path_and_home() -> None:
    env = {"PATH": "/usr/bin", "HOME": "/root", "PYTHONHASHSEED": "3", "LANG": "C"}
    assert container_env(env) == {"LANG": "C", "PYTHONHASHSEED": "3"}


@pytest.mark.parametrize(
    "name", ["GITHUB_TOKEN", "OPENAI_API_KEY", "CI_JOB_TOKEN", "CIOPT_GITHUB_TOKEN", "MY_SECRET"]
)
def test_a_secret_is_refused_not_dropped(name: str) -> None:
    with pytest.raises(CioptError, match=f"refusing to pass {name} into a container"):
        container_env({name: "x", "LANG": "C"})


def test_cioptss_own_helper_variables_pass() -> None:
    env = {"CIOPT_PROBE_OUT": "/o/p.json", "CIOPT_BARRIER": "/o/b", "CIOPT_PIN_CPU": "1"}
    assert container_env(env) == env


def test_output_folders_are_those_outside_the_worktree(tmp_path: Path) -> None:
    root, out = tmp_path / "wt", tmp_path / "out"
    (out / "bench").mkdir(parents=True)
    job = Command(
        root,
        ("python", "-m", "pytest", f"--benchmark-json={out}/bench/r1.json", f"{root}/tests"),
        {"CIOPT_PROBE_OUT": str(out / "probe.json"), "CIOPT_BARRIER": str(out / "bench")},
    )
    # the outermost folder only (out/bench is inside out); the worktree's own paths are not
    assert output_dirs([job], [root]) == [out]


def test_a_folder_right_under_the_root_is_never_mounted_over() -> None:
    job = Command(Path("/w"), ("python", "--out=/tmp/x.json"), {"CIOPT_PROBE_OUT": "/tmp/p.json"})
    assert output_dirs([job], [Path("/w")]) == []
