"""A fanned-out run on the command line, end to end on the bundled example: ``ciopt plan``
discovers the hot functions and splits the budget, each unit runs as its own process (one is
killed half-way, as a CI job can be), and ``ciopt gather`` publishes the others' winners on the
local forge."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ciopt.cli import main
from tests.helpers import EXAMPLES, git, make_repo

pytestmark = pytest.mark.e2e

SCRIPT = EXAMPLES / "scripted" / "textkit-hotspots.jsonl"
CALLS = 5  # the whole request's model calls, over 3 units: 2, 2 and 1


@dataclass
class Fanned:
    repo: Path
    plan: dict[str, Any]
    plan_log: str
    units: Path
    unit_codes: dict[str, int]
    gather_code: int
    gather_log: str
    gathered: Path


def _unit(repo: Path, plan: Path, unit: str, out: Path, python: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "ciopt",
        "run",
        "--repo",
        str(repo),
        "--unit",
        unit,
        "--plan",
        str(plan),
        "--out",
        str(out),
        "--model",
        f"scripted:{SCRIPT}",
        "--python",
        python,
    ]


def _killed_half_way(argv: list[str], out: Path) -> int:
    """Run a unit and SIGKILL it once it has begun (its unit.json written), as a cancelled or
    timed-out CI job is ended."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CIOPT_")}
    with subprocess.Popen(argv, env=env, start_new_session=True) as child:
        deadline = time.monotonic() + 120
        while not (out / "unit.json").exists() and time.monotonic() < deadline:
            if child.poll() is not None:
                break
            time.sleep(0.05)
        time.sleep(1.0)  # into its baseline
        os.killpg(child.pid, signal.SIGKILL)
        return child.wait()


@pytest.fixture(scope="module")
def fanned(tmp_path_factory: pytest.TempPathFactory, client_python: str) -> Fanned:
    root = tmp_path_factory.mktemp("fanout")
    repo = root / "textkit"
    make_repo(repo)
    plan_dir, units = root / "plan", root / "units"
    capture = root / "plan.log"
    argv = [
        "plan",
        "--repo",
        str(repo),
        "--request",
        f"/optimize bench=benchmarks/ top=3 max_llm_calls={CALLS} time_budget=15",
        "--out",
        str(plan_dir),
        "--python",
        client_python,
        "--github-output",
        str(root / "github-output"),
    ]
    result = subprocess.run(
        [sys.executable, "-m", "ciopt", *argv], capture_output=True, text=True, check=False
    )
    capture.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout + result.stderr
    plan_file = plan_dir / "plan.json"
    codes: dict[str, int] = {}
    for unit in ("1", "2", "3"):
        cmd = _unit(repo, plan_file, unit, units / f"unit-{unit}", client_python)
        if unit == "1":
            codes[unit] = _killed_half_way(cmd, units / f"unit-{unit}")
        else:
            codes[unit] = subprocess.run(cmd, capture_output=True, check=False).returncode
    gathered = root / "gathered"
    gather = subprocess.run(
        [
            sys.executable,
            "-m",
            "ciopt",
            "gather",
            "--repo",
            str(repo),
            "--plan",
            str(plan_file),
            "--units",
            str(units),
            "--out",
            str(gathered),
            "--python",
            client_python,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return Fanned(
        repo=repo,
        plan=json.loads(plan_file.read_text()),
        plan_log=capture.read_text(),
        units=units,
        unit_codes=codes,
        gather_code=gather.returncode,
        gather_log=gather.stdout + gather.stderr,
        gathered=gathered,
    )


def test_the_plan_has_a_unit_per_discovered_target_and_splits_the_budget(fanned: Fanned) -> None:
    plan = fanned.plan
    assert plan["kind"] == "targets"
    units = plan["units"]
    assert isinstance(units, list) and len(units) == 3
    found = {t for u in units for t in u["targets"]}
    slow = {
        "src/textkit/tokens.py::dedupe",
        "src/textkit/patterns.py::count_keywords",
        "src/textkit/render.py::render_table",
        "src/textkit/stats.py::normalize",
    }
    assert found <= slow  # the top three of the four slow spots
    assert sorted(u["limits"]["llm_calls"] for u in units) == [1, 2, 2]
    # each unit measures the benchmark its target ran in, not the others' (which would dilute
    # its ratio): render.py's function the render benchmark, and so on
    for unit in units:
        [bench] = unit["bench"]
        module = Path(unit["targets"][0].split("::")[0]).stem
        assert bench.startswith(f"benchmarks/test_bench_{module}.py::")
    discovery = plan["discovery"]
    assert isinstance(discovery, dict) and discovery["targets"] == [u["targets"][0] for u in units]
    output = (fanned.gathered.parent / "github-output").read_text()
    assert 'matrix={"unit":["1","2","3"]}' in output and "units=3\n" in output


def test_a_killed_unit_costs_the_others_nothing(fanned: Fanned) -> None:
    assert fanned.unit_codes["2"] == 0 and fanned.unit_codes["3"] == 0
    assert fanned.unit_codes["1"] == -signal.SIGKILL
    assert fanned.gather_code == 1, fanned.gather_log  # a unit failed: said by the exit code
    gathered = json.loads((fanned.gathered / "gather.json").read_text())
    states = {u["id"]: u["state"] for u in gathered["units"]}
    assert states == {"1": "failed", "2": "done", "3": "done"}
    assert "killed half-way" in next(u for u in gathered["units"] if u["id"] == "1")["message"]
    # every unit that verified a faster candidate has its pull request (normalize's speedup,
    # about 3x, is beyond any noise of this machine; count_keywords' 10-15% nearly always)
    won = [u["id"] for u in gathered["units"] if u["reason"] == "verified_faster"]
    published = gathered["published"]
    assert sorted(p["units"] for p in published) == [[u] for u in sorted(won)]
    normalize = next(u for u in fanned.plan["units"] if u["targets"][0].endswith("::normalize"))
    assert normalize["id"] in won
    branches = git(fanned.repo, "branch", "--list", "ciopt/*").split()
    assert sorted(branches) == sorted(p["branch"] for p in published)
    for pub in published:  # each branch holds its own target's change, and nothing else
        files = git(fanned.repo, "diff", "--name-only", "main", pub["branch"]).split()
        assert files == [pub["targets"][0].split("::")[0]]
    report = (fanned.gathered / "report.md").read_text()
    first = fanned.plan["units"][0]["targets"][0].split("::")[-1]
    assert f"| 1 | `{first}` | failed |" in report


def test_the_units_together_spend_no_more_than_the_budget(fanned: Fanned) -> None:
    spent = 0
    for unit in ("2", "3"):
        verdict = json.loads((fanned.units / f"unit-{unit}" / "verdict.json").read_text())
        assert verdict["unit"] == unit
        planned = next(u for u in fanned.plan["units"] if u["id"] == unit)
        assert [b["name"] for b in verdict["benchmarks"]] == planned["bench"]
        limits, used = verdict["budget"]["limits"], verdict["budget"]["spent"]
        assert used["llm_calls"] <= limits["llm_calls"]
        spent += used["llm_calls"]
    assert spent <= CALLS
    summed = json.loads((fanned.gathered / "verdict.json").read_text())["budget"]
    assert summed["spent"]["llm_calls"] == spent
    assert summed["limits"]["llm_calls"] == CALLS


def test_gathering_again_updates_the_same_branches(fanned: Fanned, client_python: str) -> None:
    before = git(fanned.repo, "branch", "--list", "ciopt/*").split()
    again = fanned.gathered.parent / "again"
    code = main(
        [
            "gather",
            "--repo",
            str(fanned.repo),
            "--plan",
            str(fanned.gathered.parent / "plan" / "plan.json"),
            "--units",
            str(fanned.units),
            "--out",
            str(again),
            "--python",
            client_python,
        ]
    )
    assert code == 1
    assert git(fanned.repo, "branch", "--list", "ciopt/*").split() == before
    assert json.loads((again / "gather.json").read_text())["published"]
