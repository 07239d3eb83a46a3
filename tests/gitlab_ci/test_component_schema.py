"""templates/gitlab-ci.yml and the example pipeline against GitLab's CI schema (the copy that
check-jsonschema ships, offline), and the rules GitLab applies to a component's inputs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.gitlab_ci.component import COMPONENT, EXAMPLE, Component, load, read_include
from tests.helpers import ROOT

SAMPLES: list[dict[str, Any]] = [
    {},  # the defaults
    {
        "docker": True,
        "executor": "dagger",
        "model": "anthropic/claude-sonnet-4-5",
        "max_llm_calls": "8",
        "max_cost_usd": "2.5",
        "max_minutes": "20",
        "candidates": "3",
        "content_capture": "hashed",
        "trace_retention_days": 7,
        "python_version": "3.11",
        "working_directory": "services/api",
        "job_name": "optimize-api",
        "stage": "perf",
        "poll": 2,
        "mode": "fanout",
        "units": 3,
        "max_parallel": 2,
        "unit_setup": ".gitlab/ciopt-unit.yml",
    },
]
# what people and webhooks control: ciopt reads it from the environment, the script never does
UNTRUSTED = (
    "TRIGGER_PAYLOAD",
    "CIOPT_REQUEST",
    "CIOPT_ISSUE",
    "CIOPT_MR",
    "CIOPT_JIRA_ISSUE",
    "CIOPT_JIRA_USER",
    "CI_COMMIT_",
)


def check(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.gitlab-ci"]
        + [str(f) for f in files],
        capture_output=True,
        text=True,
        check=False,
    )


def test_the_spec_header_is_a_valid_gitlab_ci_document(tmp_path: Path) -> None:
    header = tmp_path / "header.yml"
    header.write_text(Component.read().header)
    done = check(header)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("values", SAMPLES, ids=["defaults", "every-input-set"])
def test_the_jobs_validate_once_the_inputs_are_interpolated(
    values: dict[str, Any], tmp_path: Path
) -> None:
    jobs = tmp_path / "jobs.yml"
    text = Component.read().interpolated(**values)
    jobs.write_text(text)
    done = check(jobs)
    assert done.returncode == 0, done.stdout + done.stderr

    config = load(text)
    name = values.get("job_name", "ciopt")
    job = config[name]
    days = values.get("trace_retention_days", 30)
    assert job["artifacts"]["expire_in"] == f"{days} days"
    assert job["artifacts"]["when"] == "always" and job["interruptible"] is False
    assert job["artifacts"]["reports"]["dotenv"] == "ciopt.env"
    assert job["image"] == f"python:{values.get('python_version', '3.12')}-slim"
    template = config[job["extends"]]  # the hidden job the docker input picks exists
    services = [s["name"] for s in template.get("services", [])]
    assert bool(services) is values.get("docker", False)
    if services:
        assert services[0].startswith("docker:") and services[0].endswith("-dind")
        assert template["variables"]["DOCKER_HOST"].startswith("tcp://docker:")
        assert "DOCKER_TLS_CERTDIR" in template["variables"]
    sources = {s for rule in job["rules"] for s in re.findall(r'"(\w+)"', rule["if"])}
    assert sources == {"trigger", "schedule", "api", "web"}


@pytest.mark.parametrize("mode", ["run", "fanout"])
def test_the_child_pipeline_is_triggered_in_fanout_mode_only(mode: str) -> None:
    config = load(Component.read().interpolated(mode=mode, job_name="perf"))
    job, trigger = config["perf"], config["perf-units"]
    assert job["variables"]["CIOPT_JOB_MODE"] == mode
    assert trigger["needs"] == ["perf"] and trigger["stage"] == job["stage"]
    assert trigger["trigger"]["include"] == [
        {"artifact": "ciopt-out/child-pipeline.yml", "job": "perf"}  # what ciopt plan writes
    ]
    assert trigger["trigger"]["strategy"] == "depend"
    assert trigger["trigger"]["forward"] == {"pipeline_variables": False}
    rules = config[trigger["extends"]]["rules"]
    if mode == "run":
        assert rules == [{"when": "never"}]
    else:  # the plan job's sources, no other
        assert [r["if"] for r in rules] == [r["if"] for r in job["rules"]]
    (run,) = [line for line in job["script"] if "--gitlab-child" in line]
    assert '--gitlab-child "$CIOPT_JOB_OUT/child-pipeline.yml"' in run


def test_the_example_pipeline_is_valid() -> None:
    done = check(EXAMPLE)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("part", "old", "new"),
    [
        ("header", "type: number", "type: integer"),  # not an input type GitLab knows
        ("header", "default: 30", "default: thirty"),  # a number input with a text default
        ("jobs", "when: always", "when: sometimes"),
        ("jobs", "interruptible: false", "interruptible: never"),
    ],
)
def test_a_broken_copy_is_rejected(part: str, old: str, new: str, tmp_path: Path) -> None:
    component = Component.read()
    text = component.header if part == "header" else component.interpolated()
    assert old in text
    broken = tmp_path / f"{part}.yml"
    broken.write_text(text.replace(old, new, 1))
    done = check(broken)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Schema validation errors" in done.stdout


def test_every_input_is_declared_documented_typed_and_used() -> None:
    component = Component.read()
    assert component.used() == set(component.inputs)
    for name, spec in component.inputs.items():
        assert spec.get("description"), name
        assert spec.get("type") in ("string", "number", "boolean"), name
        default = spec["default"]
        expected = {"string": str, "number": int, "boolean": bool}[spec["type"]]
        assert type(default) is expected, name
        if "regex" in spec:  # GitLab refuses a default its own regex rejects
            assert re.search(str(spec["regex"]), str(default)), name
        if "options" in spec:
            assert default in spec["options"], name


def test_inputs_reach_the_script_only_through_variables_and_untrusted_text_never() -> None:
    config = load(Component.read().jobs)
    for job in config.values():
        for key in ("script", "after_script", "before_script"):
            for line in job.get(key, []):
                assert "$[[" not in line, line
                assert not any(f"${name}" in line for name in UNTRUSTED), line
                assert "${{" not in line, line


def test_the_example_includes_this_component_by_its_catalog_name() -> None:
    include = read_include(EXAMPLE)
    assert (ROOT / "templates" / f"{include.name}.yml") == COMPONENT
    assert include.fqdn == "$CI_SERVER_FQDN" and include.version == "1"
    assert set(include.inputs) <= set(Component.read().inputs)


def test_the_dagger_cli_is_pinned_as_in_the_action() -> None:
    """Both install the same Dagger CLI, checked against the same SHA-256 sums."""
    component = (ROOT / "templates" / "gitlab-ci.yml").read_text()
    action = (ROOT / "action.yml").read_text()
    for what in ("VERSION", "SHA256_AMD64", "SHA256_ARM64"):
        ours = re.search(rf'CIOPT_DAGGER_{what}: "?([0-9a-f.]+)"?', component)
        theirs = re.search(rf'DAGGER_{what}: "?([0-9a-f.]+)"?', action)
        assert ours and theirs and ours.group(1) == theirs.group(1), what
    assert "sha256sum --check --strict" in component
    assert not re.search(r"\|[^|\n]*\b(ba)?sh\b", component)  # no script piped into a shell
