"""A fanned-out run on GitHub, job by job as a workflow runs them: ``ciopt plan`` (claims the
labeled issue and shows its units), ``ciopt run --unit`` per matrix value (no forge involved),
``ciopt gather`` (a pull request per target, the same progress comment ending with every
unit's state), against the stateful FakeGitHub."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import responses

from ciopt.cli import main
from tests.helpers import EXAMPLES
from tests.helpers.fake_github import FakeGitHub

pytestmark = pytest.mark.e2e

SCRIPT = EXAMPLES / "scripted" / "textkit-hotspots.jsonl"
BODY = (
    "Our stats and token benchmarks are slow.\n\n"
    "/optimize bench=benchmarks/test_bench_stats.py,benchmarks/test_bench_tokens.py top=2 "
    "max_llm_calls=4 time_budget=15\n"
)


def _in(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], argv: list[str]) -> int:
    with monkeypatch.context() as scoped:
        for name, value in env.items():
            scoped.setenv(name, value)
        scoped.setenv("CIOPT_FORGE_WRITE_INTERVAL", "0")
        return main(argv)


def _progress(fake: FakeGitHub, number: int) -> list[dict[str, Any]]:
    return [c for c in fake.comments[number] if "<!-- ciopt:progress" in c["body"]]


@pytest.mark.usefixtures("ci_env")
def test_plan_units_gather_on_github(
    example_repo: Path,
    remote: Path,
    client_python: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    common = ["--repo", str(example_repo), "--python", client_python]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=str(remote))
        fake.user("alice", permission="write")
        number = fake.issue("Speed up stats and tokens", BODY, author="alice")
        payload = fake.issues_labeled(number, label="optimize", sender="alice")
        env = fake.actions_env("issues", payload, tmp_path, GITHUB_RUN_ID="201")
        plan_out, output = tmp_path / "plan", tmp_path / "github-output"
        plan_args = [*common, "--forge", "github", "--out", str(plan_out)]
        argv = ["plan", *plan_args, "--github-output", str(output)]
        assert _in(monkeypatch, env, argv) == 0

        plan = json.loads((plan_out / "plan.json").read_text())
        assert [u["targets"] for u in plan["units"]] == [
            ["src/textkit/stats.py::normalize"],
            ["src/textkit/tokens.py::dedupe"],
        ]
        assert plan["run"] == "201" and plan["threads"][0]["author"] == "alice"
        [claimed] = _progress(fake, number)
        assert "| 1 | `normalize` | queued |" in claimed["body"]
        assert '"state":"running"' in claimed["body"]
        labels = {label["name"] for label in fake.issues[number]["labels"]}
        assert "optimize:running" in labels

        # another run on the same issue meanwhile: the claim keeps it out, nothing planned
        again = fake.issues_labeled(number, label="optimize", sender="alice")
        other = fake.actions_env("issues", again, tmp_path, GITHUB_RUN_ID="202")
        busy_out = tmp_path / "busy"
        busy = ["plan", *common, "--forge", "github", "--out", str(busy_out)]
        assert _in(monkeypatch, other, busy) == 0
        assert json.loads((busy_out / "plan.json").read_text())["units"] == []

        # the matrix jobs: no forge variables, no token; each its own folder
        encoded = next(
            line.split("=", 1)[1]
            for line in output.read_text().splitlines()
            if line.startswith("plan=")
        )
        (tmp_path / "plan.b64").write_text(encoded)
        units = tmp_path / "units"
        for unit in ("1", "2"):
            folder = units / f"ciopt-unit-{unit}"
            argv = ["run", *common, "--unit", unit, "--plan", str(tmp_path / "plan.b64"),
                    "--out", str(folder), "--model", f"scripted:{SCRIPT}"]  # fmt: skip
            assert main(argv) == 0
        calls = [
            json.loads((units / f"ciopt-unit-{u}" / "verdict.json").read_text())["budget"]
            for u in ("1", "2")
        ]
        assert sum(b["spent"]["llm_calls"] for b in calls) <= 4

        gather_out = tmp_path / "gathered"
        argv = ["gather", *common, "--forge", "github", "--plan", str(plan_out / "plan.json"),
                "--units", str(units), "--out", str(gather_out)]  # fmt: skip
        assert _in(monkeypatch, env, argv) == 0

        pulls = sorted(fake.pulls.values(), key=lambda p: p["head"]["ref"])
        assert [p["head"]["ref"] for p in pulls] == [
            "ciopt/issue-1-stats-normalize",
            "ciopt/issue-1-tokens-dedupe",
        ]
        assert all(p["draft"] for p in pulls)
        assert "### Fanned out over 2 CI jobs" in pulls[0]["body"]
        [done] = _progress(fake, number)  # the same comment, edited in place
        assert done["id"] == claimed["id"]
        assert '"state":"done"' in done["body"]
        for pull in pulls:
            assert pull["html_url"] in done["body"]
        assert "| 2 | `dedupe` | done | `faster (verified_faster)`" in done["body"]
        labels = {label["name"] for label in fake.issues[number]["labels"]}
        assert "optimize:done" in labels and "optimize:running" not in labels
        gathered = json.loads((gather_out / "verdict.json").read_text())
        assert gathered["verdict"] == "faster" and gathered["budget"]["limits"]["llm_calls"] == 4

        # gathering again (a re-run of the job): the same pull requests, updated
        assert _in(monkeypatch, env, argv) == 0
        assert len(fake.pulls) == 2


@pytest.mark.usefixtures("ci_env")
def test_a_stranger_gets_a_refusal_and_no_units(
    example_repo: Path, remote: Path, client_python: str, tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=str(remote))
        fake.user("alice", permission="write")
        fake.user("mallory", permission="read")
        number = fake.issue("Speed up", BODY, author="mallory")
        payload = fake.issues_labeled(number, label="optimize", sender="mallory")
        env = fake.actions_env("issues", payload, tmp_path, GITHUB_RUN_ID="301")
        out, output = tmp_path / "plan", tmp_path / "github-output"
        argv = ["plan", "--repo", str(example_repo), "--python", client_python,
                "--forge", "github", "--out", str(out), "--github-output", str(output)]  # fmt: skip
        assert _in(monkeypatch, env, argv) == 0
        assert json.loads((out / "plan.json").read_text())["units"] == []
        assert "units=0\n" in output.read_text()
        assert not _progress(fake, number)
        [reply] = [c for c in fake.comments[number] if "ciopt:reply refusal" in c["body"]]
        assert "Nothing was run" in reply["body"]
