"""The child pipeline ``ciopt plan --gitlab-child`` writes for the component's fanout mode: valid
GitLab CI, the units in waves of at most ``max_parallel`` matrix jobs, gather after all of them,
no forge token in a unit, ciopt installed exactly as the component's job installs it, and every
value carried as inert data (the plan as base64, each ``$`` doubled)."""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from ciopt.cli import main
from ciopt.errors import ConfigError
from ciopt.job import GitLabChild, gitlab_child
from ciopt.plan import Plan, PlanThread, Unit
from tests.gitlab_ci.component import Component, load
from tests.gitlab_ci.tools import GitLabCiLocal, find_gitlab_ci_local

# a stranger's request: shell, GitLab variables, YAML and line breaks
REQUEST = (
    "/optimize bench=benchmarks/ $(touch /tmp/pwned) ${CIOPT_GITLAB_TOKEN} \"quoted\" 'x'\n"
    "key: value\n- item\u2028#"
)
JOB = {  # the component job's variables, as GitLab sets them from its inputs (defaults)
    "CIOPT_JOB_PACKAGE": "ciopt==0.1.0",
    "CIOPT_JOB_DIRECTORY": ".",
    "CIOPT_JOB_DOCKER": "false",
    "CIOPT_JOB_MODEL": "openai/gpt-4o-mini",
    "CIOPT_JOB_FORGE": "gitlab",
    "CIOPT_LABEL": "optimize",
    "CIOPT_TRIGGER_PHRASE": "/optimize",
    "CIOPT_EXECUTOR": "auto",
    "CIOPT_CONTENT_CAPTURE": "full",
    "CIOPT_TRACE_RETENTION_DAYS": "14",
    "CI_PIPELINE_ID": "777",
    "CI_JOB_IMAGE": "python:3.12-slim",
    "CIOPT_GITLAB_TOKEN": "glpat-NeverInTheChildYaml",
    "TRIGGER_PAYLOAD": "/tmp/payload.json",
}


def plan_of(units: int, *, max_parallel: int = 4, request: str = REQUEST) -> Plan:
    thread = PlanThread(key="issue-7", number=7, kind="issue", author="alice", claim="issue-7")
    return Plan(
        kind="targets",
        run="777",
        base="a" * 40,
        forge="gitlab",
        max_parallel=max_parallel,
        threads=[thread],
        units=[
            Unit(id=str(i), request=request, targets=[f"src/m.py::f{i}"], thread="issue-7")
            for i in range(1, units + 1)
        ],
    )


def read(text: str) -> dict[str, Any]:
    """The YAML as GitLab reads it, ``!reference [job, key]`` kept as ``["!reference", ...]``."""
    yaml = YAML(typ="safe", pure=True)
    yaml.constructor.add_constructor(
        "!reference",
        lambda loader, node: ["!reference", *loader.construct_sequence(node)],
    )
    loaded: dict[str, Any] = yaml.load(text)
    return loaded


def flat(script: list[Any]) -> list[str]:
    """A script as GitLab runs it: nested lists (YAML aliases) flattened."""
    out: list[str] = []
    for item in script:
        out.extend(flat(item) if isinstance(item, list) else [item])
    return out


def check(path: Path) -> subprocess.CompletedProcess[str]:
    schema = ["--builtin-schema", "vendor.gitlab-ci", "--data-transform", "gitlab-ci"]
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", *schema, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "environ",
    [
        JOB,
        JOB | {"CIOPT_JOB_UNIT_SETUP": ".gitlab/ciopt-unit.yml"},
        JOB | {"CIOPT_JOB_DOCKER": "true", "CIOPT_DAGGER_VERSION": "0.21.8", "DOCKER_HOST": "x"},
    ],
    ids=["defaults", "unit-setup", "docker"],
)
def test_the_child_pipeline_is_valid_gitlab_ci(environ: dict[str, str], tmp_path: Path) -> None:
    child = tmp_path / "child-pipeline.yml"
    child.write_text(gitlab_child(plan_of(5, max_parallel=2), environ))
    done = check(child)
    assert done.returncode == 0, done.stdout + done.stderr
    config = read(child.read_text())
    template = config[".ciopt-child"]
    assert bool(template.get("services")) is (environ["CIOPT_JOB_DOCKER"] == "true")
    if "CIOPT_JOB_UNIT_SETUP" in environ:
        assert config["include"] == [{"local": ".gitlab/ciopt-unit.yml"}]
        for name in ("units-1", "units-2", "units-3", "gather"):
            assert config[name]["extends"] == [".ciopt-child", ".ciopt-unit"]
            assert ["!reference", ".ciopt-unit", "before_script"] in config[name]["before_script"]
    else:
        assert "include" not in config


def test_the_units_run_in_waves_of_max_parallel_and_gather_needs_them_all() -> None:
    config = read(gitlab_child(plan_of(5, max_parallel=2), JOB))
    waves = {name: job for name, job in config.items() if name.startswith("units-")}
    assert list(waves) == ["units-1", "units-2", "units-3"]
    assert [job["parallel"]["matrix"] for job in waves.values()] == [
        [{"CIOPT_UNIT": ["1", "2"]}],
        [{"CIOPT_UNIT": ["3", "4"]}],
        [{"CIOPT_UNIT": ["5"]}],
    ]
    assert waves["units-1"]["needs"] == [] and "when" not in waves["units-1"]
    for n in (2, 3):  # each wave after the one before, however that one ended
        assert waves[f"units-{n}"]["needs"] == [{"job": f"units-{n - 1}", "artifacts": False}]
        assert waves[f"units-{n}"]["when"] == "always"
    for job in waves.values():
        assert job["artifacts"]["when"] == "always" and job["artifacts"]["paths"] == ["ciopt-out/"]
        assert job["artifacts"]["expire_in"] == "14 days"
    gather = config["gather"]
    assert gather["when"] == "always" and gather["stage"] == "gather"
    assert gather["needs"] == [{"job": f"units-{n}", "artifacts": True} for n in (1, 2, 3)]
    assert config["stages"] == ["units", "gather"]
    assert config[".ciopt-child"]["image"] == "python:3.12-slim"  # the plan job's own


def test_one_wave_when_the_units_fit_max_parallel() -> None:
    config = read(gitlab_child(plan_of(3, max_parallel=4), JOB))
    assert [n for n in config if n.startswith("units-")] == ["units-1"]
    assert config["units-1"]["parallel"]["matrix"] == [{"CIOPT_UNIT": ["1", "2", "3"]}]


def test_a_unit_gets_no_forge_token_and_runs_its_unit_of_the_plan() -> None:
    config = read(gitlab_child(plan_of(2), JOB))
    unit = config["units-1"]
    first = unit["before_script"][0]
    assert first.startswith("unset ") and {"CIOPT_GITLAB_TOKEN", "GITLAB_TOKEN"} <= set(
        first.split()
    )
    script = flat(unit["script"])
    last = script[-1]
    assert last.startswith("unset CI_JOB_TOKEN\n")
    assert 'run --unit "$CIOPT_UNIT" --plan "$CIOPT_JOB_PLAN"' in last
    assert '--out "$CIOPT_JOB_OUT/unit-$CIOPT_UNIT"' in last
    assert "after_script" not in unit  # a new shell, with the token again
    gather = flat(config["gather"]["script"])[-1]
    assert 'gather --forge "$CIOPT_JOB_FORGE" --plan "$CIOPT_JOB_PLAN"' in gather
    assert "unset" not in gather  # gather publishes: it keeps the token
    variables = config["variables"]
    assert variables["CIOPT_RUN_ID"] == "777"  # the parent's pipeline: it holds the claim
    assert "CIOPT_GITLAB_TOKEN" not in variables and "TRIGGER_PAYLOAD" not in variables


def test_ciopt_is_installed_exactly_as_the_component_installs_it() -> None:
    component = load(Component.read().interpolated())["ciopt"]
    config = read(gitlab_child(plan_of(2), JOB))
    install = config[".ciopt-child"]["script"]
    assert install == component["script"][:4]  # packages, venv, the lock, the Dagger CLI
    for name in ("units-1", "gather"):
        assert flat(config[name]["script"])[:4] == install
    ours = config[".ciopt-child"]["variables"]
    theirs = component["variables"]
    for name in ("GIT_DEPTH", "PIP_CACHE_DIR", "CIOPT_VENV", "CIOPT_JOB_OUT"):
        assert ours[name] == theirs[name], name
    docker = load(Component.read().interpolated(docker=True))[".ciopt-docker-true"]
    child = read(gitlab_child(plan_of(1), JOB | {"CIOPT_JOB_DOCKER": "true"}))
    assert child[".ciopt-child"]["services"] == docker["services"]


def test_the_request_travels_as_base64_and_every_value_is_inert() -> None:
    environ = JOB | {"CIOPT_JOB_MODEL": "openai/$CIOPT_GITLAB_TOKEN", "CIOPT_LABEL": 'a"b\nc'}
    plan = plan_of(2)
    text = gitlab_child(plan, environ)
    assert "touch" not in text and "quoted" not in text and "glpat-" not in text
    config = read(text)
    variables = config["variables"]
    decoded = base64.b64decode(variables["CIOPT_PLAN"], validate=True)
    assert Plan.model_validate_json(decoded) == plan
    assert variables["CIOPT_JOB_MODEL"] == "openai/$$CIOPT_GITLAB_TOKEN"  # GitLab: a literal $
    assert variables["CIOPT_LABEL"] == 'a"b\nc'
    for job in config.values():  # no value in a script: they read variables
        if isinstance(job, dict):
            for line in flat(job.get("script", [])) + flat(job.get("before_script", [])):
                if isinstance(line, str):
                    assert "gpt" not in line and "777" not in line and "eyJ" not in line


def test_a_plan_without_units_is_one_job_that_runs_nothing() -> None:
    config = read(gitlab_child(plan_of(0), JOB))
    jobs = [n for n in config if not n.startswith(".") and n not in ("stages", "variables")]
    assert jobs == ["nothing"]
    assert "ciopt run" not in " ".join(flat(config["nothing"]["script"]))


@pytest.mark.parametrize(
    ("changed", "says"),
    [
        ({"CIOPT_JOB_PACKAGE": ""}, "CIOPT_JOB_PACKAGE"),
        ({"CIOPT_JOB_UNIT_SETUP": "../elsewhere.yml"}, "unit_setup"),
        ({"CIOPT_JOB_UNIT_SETUP": "$FILE.yml"}, "unit_setup"),
        ({"CIOPT_JOB_UNIT_SETUP": "setup.sh"}, "unit_setup"),
        ({"CI_JOB_IMAGE": "python:3.12 $(id)"}, "image"),
    ],
)
def test_settings_that_cannot_be_carried_are_refused_before_planning(
    changed: dict[str, str], says: str
) -> None:
    with pytest.raises(ConfigError, match=says):
        GitLabChild.from_environ(JOB | changed)


def test_gitlab_ci_local_reads_the_waves_and_the_matrix(tmp_path: Path) -> None:
    """gitlab-ci-local parses the child as a pipeline of its own: its jobs, their needs."""
    runner: GitLabCiLocal = find_gitlab_ci_local()
    project = tmp_path / "project"
    project.mkdir()
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=project, check=True)
    subprocess.run(
        ["git", "remote", "add", "origin", "https://gitlab.example.com/group/textkit.git"],
        cwd=project,
        check=True,
    )
    (project / ".gitlab-ci.yml").write_text(gitlab_child(plan_of(3, max_parallel=2), JOB))
    environ = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = runner.run(project, ["--list-json"], environ=environ, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    jobs = {job["name"]: job for job in json.loads(done.stdout)}
    assert set(jobs) == {"units-1: [1]", "units-1: [2]", "units-2: [3]", "gather"}
    assert jobs["units-2: [3]"]["when"] == "always" and jobs["gather"]["when"] == "always"
    assert [n["job"] for n in jobs["units-2: [3]"]["needs"]] == ["units-1"]
    assert [(n["job"], n["artifacts"]) for n in jobs["gather"]["needs"]] == [
        ("units-1", True),
        ("units-2", True),
    ]


def test_ciopt_plan_writes_the_child_pipeline_of_its_plan(
    example_repo: Path, client_python: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in (JOB | {"CI_PIPELINE_ID": "4242"}).items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("CIOPT_RUN_ID", raising=False)
    child, out = tmp_path / "child-pipeline.yml", tmp_path / "out"
    request = "target=src/textkit/tokens.py::dedupe bench=benchmarks/test_bench_tokens.py"
    argv = ["plan", "--repo", str(example_repo), "--python", client_python, "--request", request,
            "--units", "3", "--max-parallel", "2", "--out", str(out),
            "--gitlab-child", str(child)]  # fmt: skip
    assert main(argv) == 0
    plan = Plan.read(out / "plan.json")
    assert plan.run == "4242" and len(plan.units) == 3
    config = read(child.read_text())
    assert Plan.model_validate_json(base64.b64decode(config["variables"]["CIOPT_PLAN"])) == plan
    assert config["variables"]["CIOPT_RUN_ID"] == "4242"
    assert [config[f"units-{n}"]["parallel"]["matrix"] for n in (1, 2)] == [
        [{"CIOPT_UNIT": ["1", "2"]}],
        [{"CIOPT_UNIT": ["3"]}],
    ]


def test_ciopt_plan_checks_the_childs_settings_before_it_plans(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("CIOPT_JOB_PACKAGE", raising=False)
    out = tmp_path / "out"
    argv = ["plan", "--repo", str(example_repo), "--request", "bench=benchmarks/",
            "--out", str(out), "--gitlab-child", str(tmp_path / "child.yml")]  # fmt: skip
    assert main(argv) != 0
    assert not (out / "plan.json").exists() and not (tmp_path / "child.yml").exists()
