"""Rules read off the YAML: untrusted text and inputs reach scripts only through ``env:``, LLM
keys and the token stay out of every script but ciopt's, inputs and outputs are wired, and the
example workflows ask for no more than they need."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.action.simulate import load_yaml
from tests.helpers import ROOT

ACTION = load_yaml(ROOT / "action.yml")
STEPS: list[dict[str, Any]] = ACTION["runs"]["steps"]
WORKFLOWS = {path.stem: load_yaml(path) for path in (ROOT / "examples" / "github").glob("*.yml")}
CLEAN = "CIOPT_ACTION_CLEAN"


def _run_steps(doc: dict[str, Any]) -> list[dict[str, Any]]:
    if "runs" in doc:
        return [s for s in doc["runs"]["steps"] if "run" in s]
    return [s for job in doc["jobs"].values() for s in job.get("steps", []) if "run" in s]


@pytest.mark.parametrize("name", ["action", *sorted(WORKFLOWS)])
def test_no_expression_inside_any_run_block(name: str) -> None:
    doc = ACTION if name == "action" else WORKFLOWS[name]
    steps = _run_steps(doc)
    assert steps
    for step in steps:
        assert "${{" not in step["run"], step.get("name")


def test_every_input_is_used() -> None:
    used = set(re.findall(r"inputs\.([A-Za-z0-9_-]+)", str(STEPS)))
    assert set(ACTION["inputs"]) == used
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in ACTION["inputs"])  # snake_case


def test_every_output_reads_an_earlier_step_that_writes_it() -> None:
    by_id = {s["id"]: s for s in STEPS if "id" in s}
    assert set(ACTION["outputs"]) >= {"verdict", "ratio", "pr_url", "artifact"}
    for name, spec in ACTION["outputs"].items():
        (ref,) = re.findall(r"\$\{\{\s*steps\.([a-z_]+)\.outputs\.([a-z_]+)\s*\}\}", spec["value"])
        step = by_id[ref[0]]
        writes = step["run"]
        # the outputs step hands its $GITHUB_OUTPUT to `ciopt outputs`, which writes these
        assert f"{ref[1]}=" in writes or "--github-output" in writes, name


def test_steps_refer_only_to_earlier_steps() -> None:
    seen: set[str] = set()
    for step in STEPS:
        for ref in re.findall(r"steps\.([A-Za-z0-9_-]+)\.", str(step)):
            assert ref in seen, (step.get("name"), ref)
        if "id" in step:
            seen.add(step["id"])


def test_only_the_ciopt_step_keeps_the_callers_environment() -> None:
    """Every other script runs itself again under ``env -i`` with the variables it names, and
    every upper-case variable it reads is one of those."""
    for step in _run_steps(ACTION):
        script = step["run"]
        if step["id"] == "run":
            assert CLEAN not in script and "CIOPT_GITHUB_TOKEN" in step["env"]
            continue
        if step["id"] == "unit":  # ciopt's step of a matrix job: the keys, and no forge token
            assert CLEAN not in script
            assert "TOKEN" not in str(step["env"]) and "github_token" not in str(step)
            continue
        assert "TOKEN" not in str(step.get("env")), step["id"]
        head, _, body = script.partition("\nfi\n")
        assert head.startswith(f'if [ -z "${{{CLEAN}:-}}" ]'), step["id"]
        assert "exec env -i" in head and head.rstrip().endswith('"$0"'), step["id"]
        passed = set(re.findall(r"\b([A-Z][A-Z0-9_]*)=", head))
        assert not {n for n in passed if re.search("KEY|TOKEN|SECRET", n)}, step["id"]
        read = set(re.findall(r"\$\{?([A-Z][A-Z0-9_]*)", body))
        assert read <= passed, (step["id"], read - passed)


def test_uses_are_pinned_to_a_major_version() -> None:
    uses = [s["uses"] for s in STEPS if "uses" in s]
    assert uses == [
        "actions/setup-python@v6",
        "actions/cache/restore@v5",
        "actions/cache/save@v5",
        "actions/upload-artifact@v6",
    ]


# the first major of each that runs on Node 24 (Node 20 is retired from GitHub's runners)
NODE24 = {
    "checkout": 5, "setup-python": 6, "cache": 5, "upload-artifact": 6, "download-artifact": 7,
}  # fmt: skip


@pytest.mark.parametrize("name", ["action", *sorted(WORKFLOWS)])
def test_github_actions_used_are_ones_on_a_supported_runtime(name: str) -> None:
    doc = ACTION if name == "action" else WORKFLOWS[name]
    steps = doc["runs"]["steps"] if "runs" in doc else [
        step for job in doc["jobs"].values() for step in job["steps"]
    ]  # fmt: skip
    ours = [str(s["uses"]) for s in steps if str(s.get("uses", "")).startswith("actions/")]
    assert ours
    for uses in ours:
        found = re.fullmatch(r"actions/([a-z-]+)(?:/[a-z]+)?@v(\d+)", uses)
        assert found, uses
        assert int(found.group(2)) >= NODE24[found.group(1)], uses


def test_the_upload_runs_always_and_keeps_the_trace_as_long_as_asked() -> None:
    (upload,) = [s for s in STEPS if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert "always()" in upload["if"]
    assert upload["with"]["retention-days"] == "${{ inputs.trace_retention_days }}"
    assert upload["with"]["if-no-files-found"] == "warn"
    (outputs,) = [s for s in STEPS if s.get("id") == "outputs"]
    assert outputs["if"] == "always()"


def test_the_install_resolves_nothing_is_cached_and_skipped_on_a_hit() -> None:
    by_id = {s["id"]: s for s in STEPS if "id" in s}
    install = by_id["install"]
    assert install["if"] == "steps.cache.outputs.cache-hit != 'true'"
    commands = install["run"].replace("\\\n", " ").splitlines()
    installs = [line for line in commands if '"${pip[@]}"' in line]
    assert len(installs) == 2 and all("--no-deps" in line for line in installs)
    (lock,) = [line for line in installs if "-r " in line]
    assert "--require-hashes --no-deps --only-binary=:all:" in lock
    assert lock.endswith('-r "$GITHUB_ACTION_PATH/src/ciopt/requirements.lock"')
    assert any(line.strip().startswith('"$VENV/bin/python" -m pip check') for line in commands)
    assert by_id["python"]["with"]["update-environment"] is False
    key = by_id["prep"]["run"]
    for part in ("$RUNNER_OS", "$PYTHON_VERSION", "lock-$lock"):
        assert part in key


def test_the_dagger_cli_is_installed_only_when_the_executor_needs_it() -> None:
    (dagger,) = [s for s in STEPS if s.get("id") == "dagger"]
    assert dagger["if"] == (
        "inputs.executor == 'dagger' || "
        "(inputs.executor == 'auto' && steps.prep.outputs.docker == 'true')"
    )
    assert "sha256sum --check --strict" in dagger["run"]


def test_the_sandbox_is_set_up_only_when_the_executor_may_use_it() -> None:
    (step,) = [s for s in STEPS if s.get("id") == "isolation"]
    assert " ".join(step["if"].split()) == (
        "inputs.isolation_setup == 'true' && runner.os == 'Linux' && (inputs.executor == 'auto' "
        "|| inputs.executor == 'sandbox' || inputs.executor == '')"
    )
    assert ACTION["inputs"]["isolation_setup"]["default"] == "true"
    order = [s.get("id") for s in STEPS]
    assert order.index("isolation") < order.index("run")  # bwrap is there when ciopt looks
    assert "continue-on-error" not in step  # the script itself never fails the job


@pytest.mark.parametrize("step_id", ["run", "unit"])
def test_the_ciopt_step_execs_ciopt(step_id: str) -> None:
    """The bash that holds the keys is replaced by ciopt, not left alive beside your code."""
    (step,) = [s for s in STEPS if s.get("id") == step_id]
    commands = [line.strip() for line in step["run"].splitlines()]
    commands = [line for line in commands if line and not line.startswith("#")]
    assert commands[-1] == 'exec "$CIOPT_BIN" "${args[@]}"'
    assert not [line for line in commands[:-1] if "$CIOPT_BIN" in line]


# the fanned-out workflow's jobs each ask for their own: only gather writes code
FANOUT_PERMISSIONS = {
    "plan": {"contents": "read", "issues": "write"},
    "units": {"contents": "read"},
    "gather": {"contents": "write", "pull-requests": "write", "issues": "write"},
}


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_examples_ask_for_minimal_permissions_and_never_cancel_a_run(name: str) -> None:
    workflow = WORKFLOWS[name]
    needed = {"contents": "write", "pull-requests": "write", "issues": "write"}
    if name == "jira-dispatch":  # its issue is Jira's
        del needed["issues"]
    if name == "fanout":
        assert workflow["permissions"] == {"contents": "read"}
        assert {j: job["permissions"] for j, job in workflow["jobs"].items()} == FANOUT_PERMISSIONS
    else:
        assert workflow["permissions"] == needed
        for job in workflow["jobs"].values():
            assert "permissions" not in job
    concurrency = workflow["concurrency"]
    assert concurrency["group"].startswith("ciopt-")
    assert concurrency["cancel-in-progress"] is False


@pytest.mark.parametrize("name", sorted(WORKFLOWS))
def test_examples_use_the_action_with_keys_only_on_its_step(name: str) -> None:
    jobs = WORKFLOWS[name]["jobs"]
    if name != "fanout":
        assert len(jobs) == 1
    for job_id, job in jobs.items():
        steps = job["steps"]
        ours = [s for s in steps if s.get("uses") == "ciopt-dev/ciopt@v1"]
        assert len(ours) == 1
        if name == "fanout" and job_id != "units":  # plan and gather call no model
            assert "env" not in ours[0]
        else:
            assert any("secrets." in str(v) for v in ours[0]["env"].values())
        for step in steps:
            if step is not ours[0]:
                assert "secrets." not in str(step), step
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                assert step["with"]["persist-credentials"] is False
        assert "env" not in job
    assert "env" not in WORKFLOWS[name]


def test_the_fanout_example_hands_the_plan_from_job_to_job() -> None:
    jobs = WORKFLOWS["fanout"]["jobs"]

    def ours(job_id: str) -> dict[str, Any]:
        steps: list[dict[str, Any]] = jobs[job_id]["steps"]
        (step,) = [s for s in steps if s.get("uses") == "ciopt-dev/ciopt@v1"]
        return step

    assert ours("plan")["with"]["mode"] == "plan"
    assert set(jobs["plan"]["outputs"]) == {"matrix", "units", "max_parallel", "plan"}
    for name, value in jobs["plan"]["outputs"].items():
        assert value == f"${{{{ steps.ciopt.outputs.{name} }}}}"
        assert name in ACTION["outputs"]
    units = jobs["units"]
    assert units["needs"] == "plan" and "needs.plan.outputs.units != '0'" in units["if"]
    assert units["strategy"] == {
        "fail-fast": False,
        "max-parallel": "${{ fromJSON(needs.plan.outputs.max_parallel) }}",
        "matrix": "${{ fromJSON(needs.plan.outputs.matrix) }}",
    }
    unit = ours("units")["with"]
    assert unit["mode"] == "unit" and unit["unit"] == "${{ matrix.unit }}"
    assert unit["plan"] == "${{ needs.plan.outputs.plan }}"
    assert "github_token" not in unit  # and mode unit passes none to ciopt (above)
    gather = jobs["gather"]
    assert gather["needs"] == ["plan", "units"]
    assert gather["if"].startswith("always() && needs.plan.result == 'success'")
    (download,) = [s for s in gather["steps"] if "download-artifact" in str(s.get("uses"))]
    # every unit's artifact, named <artifact_name>-<run id>-..., and only theirs
    prefix = unit["artifact_name"] + "-${{ github.run_id }}-"
    assert download["with"]["pattern"] == prefix + "*"
    assert "merge-multiple" not in download["with"]  # a folder per unit
    with_ = ours("gather")["with"]
    assert with_["mode"] == "gather" and with_["plan"] == "${{ needs.plan.outputs.plan }}"
    assert with_["units_path"] == download["with"]["path"]


def test_examples_start_on_the_events_ciopt_answers() -> None:
    on = {name: workflow["on"] for name, workflow in WORKFLOWS.items()}
    assert on["issue-labeled"] == {"issues": {"types": ["labeled"]}}
    assert on["pr-comment"] == {"issue_comment": {"types": ["created"]}}
    assert set(on["dispatch"]["workflow_dispatch"]["inputs"]) == {"issue", "request"}
    assert on["schedule"]["schedule"][0]["cron"]
    (comment_job,) = WORKFLOWS["pr-comment"]["jobs"].values()
    assert "github.event.issue.pull_request" in comment_job["if"]
    assert "startsWith(github.event.comment.body, '/optimize')" in comment_job["if"]
    (schedule_job,) = WORKFLOWS["schedule"]["jobs"].values()
    assert any(s.get("with", {}).get("poll") for s in schedule_job["steps"])
    assert on["jira-dispatch"] == {"repository_dispatch": {"types": ["ciopt-jira"]}}
    (jira_job,) = WORKFLOWS["jira-dispatch"]["jobs"].values()
    (ours,) = [s for s in jira_job["steps"] if s.get("uses") == "ciopt-dev/ciopt@v1"]
    assert ours["with"]["forge"] == "jira" and "JIRA_API_TOKEN" in ours["env"]


def test_example_paths_are_yaml_files_only() -> None:
    folder = ROOT / "examples" / "github"
    assert {p.suffix for p in Path(folder).iterdir()} == {".yml"}
