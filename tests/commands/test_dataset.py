"""``ciopt dataset`` on the trace of a scripted run of the demo: its winner, as one example."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ciopt.agent import PROPOSE
from ciopt.cli import main
from tests.helpers import EXAMPLES, REQUEST, git, winner_script

PLANTED = "correct-horse-battery-staple-42"


@pytest.fixture
def recorded(
    example_repo: Path,
    client_python: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Path:
    """The trace of a run whose one candidate (the demo's winner) is verified faster; the
    benchmark it is shown holds the value of a secret variable of the environment."""
    monkeypatch.setenv("DEPLOY_TOKEN", PLANTED)
    bench = example_repo / "benchmarks" / "test_bench_tokens.py"
    bench.write_text(f"# deployed with {PLANTED}\n" + bench.read_text())
    git(example_repo, "commit", "-qam", "benchmarks: say where it is deployed")
    out = tmp_path / "out"
    code = main(["run", "--repo", str(example_repo), "--request", REQUEST,
                 "--model", f"scripted:{winner_script(tmp_path)}", "--python", client_python,
                 "--out", str(out)])  # fmt: skip
    assert code == 0, capsys.readouterr().err
    assert json.loads((out / "verdict.json").read_text())["verdict"] == "faster"
    capsys.readouterr()
    return out / "trace.jsonl"


@pytest.mark.e2e  # one whole run of the bundled example
def test_the_winner_of_a_run_is_one_example_even_from_two_traces(
    recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    copy = tmp_path / "copy.jsonl"
    shutil.copy(recorded, copy)
    out = tmp_path / "examples.jsonl"

    assert main(["dataset", str(recorded), str(copy), "--out", str(out)]) == 0

    said = capsys.readouterr().out
    assert said == (
        f"1 example written to {out} (2 winner(s) in 2 trace(s); 1 duplicate(s) dropped)\n"
    )
    [line] = out.read_text().splitlines()
    example = json.loads(line)
    assert example["schema"] == "ciopt.example/1" and example["signature"] == PROPOSE.id
    winner = json.loads(
        (EXAMPLES / "scripted" / "textkit-dedupe.jsonl").read_text().splitlines()[3]
    )
    assert example["output"] == winner["content"]
    assert 0 < example["ratio"] < 1 and example["output_format"] == "search_replace"
    inputs = PROPOSE.inputs.model_validate(example["inputs"])
    assert [t.qualname for t in inputs.targets] == ["dedupe"]
    assert "[REDACTED:env:" in inputs.benchmark and PLANTED not in line


def test_a_trace_recorded_without_content_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hashed = tmp_path / "trace.jsonl"
    hashed.write_text(json.dumps({"type": "header", "content_capture": "hashed"}) + "\n")

    assert main(["dataset", str(hashed), "--out", str(tmp_path / "x.jsonl")]) == 1
    err = capsys.readouterr().err
    assert err == (
        f"error: {hashed} was recorded with content_capture=hashed: it holds no prompts or "
        'replies to learn from; record the runs with content_capture = "full"\n'
    )
    assert not (tmp_path / "x.jsonl").exists()
