"""``ciopt run --executor dagger`` on the bundled example: the demo's winner (one candidate:
every kind of job, tests, recordings, replays, profiles and duet rounds) through the Dagger
executor against a fake engine session (``executors.fake_engine``), which runs each
container's command on this machine. (``auto`` without an engine: ``test_demo.py``.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciopt.cli import main
from ciopt.inject import INJECT_DIR
from ciopt.trace.read import read_trace
from tests.helpers import REQUEST, winner_script
from tests.helpers.fake_engine import FakeEngine, HostRunner

pytestmark = [pytest.mark.e2e, pytest.mark.filterwarnings("ignore::DeprecationWarning")]

SECRETS = {"GITHUB_TOKEN": "ghs_" + "x" * 36, "OPENAI_API_KEY": "sk-" + "y" * 40}


def _run(repo: Path, out: Path, python: str, executor: str) -> int:
    return main([
        "run", "--repo", str(repo), "--request", f"/optimize {REQUEST}",
        "--model", f"scripted:{winner_script(out.parent)}", "--python", python,
        "--out", str(out), "--executor", executor,
    ])  # fmt: skip


def test_the_demo_through_the_dagger_executor(
    example_repo: Path, client_python: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "out"
    with FakeEngine(HostRunner(client_python)) as engine:
        for name, value in engine.environ().items():
            monkeypatch.setenv(name, value)
        assert _run(example_repo, out, client_python, "dagger") == 0

    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["verdict"] == "faster"
    assert verdict["ratio"] < 0.2
    trace = read_trace(out / "trace.jsonl").records
    [chosen] = [r["attrs"] for r in trace if r.get("name") == "executor"]
    assert chosen == {
        "asked": "dagger",
        "chosen": "dagger",
        "isolation": "containers (Dagger)",
        "engine": "the engine of the `dagger run` session ciopt runs in",
        "note": None,
    }
    assert verdict["isolation"] == "containers (Dagger)"

    containers = [state for _, state in engine.containers()]
    rounds = [s for s in containers if s.execs[-1].args[1] == str(INJECT_DIR / "ciopt_together.py")]
    singles = [s for s in containers if s.execs[-1].args[0] == "timeout"]
    assert len(rounds) >= 3  # every duet round: both sides in one container
    assert len(singles) >= 5  # tests, replays, profiles
    assert len(rounds) + len(singles) == len(containers)
    for state in containers:
        assert state.image == "python:3.12-slim"
        assert state.execs[0].args[:4] == ("python", "-m", "pip", "install")
        seen = json.dumps([list(e.env) for e in state.execs]) + json.dumps(state.files)
        for name, value in SECRETS.items():
            assert name not in seen and value not in seen
    for state in rounds:
        spec = json.loads(state.files["/tmp/.ciopt-together.json"])
        assert len(spec["jobs"]) == 2  # base and head
        assert {job["cwd"] for job in spec["jobs"]} <= set(state.mounts)
