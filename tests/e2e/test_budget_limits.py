"""Every limit ends a run cleanly, wherever it is reached, and says which limit it was."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ciopt.cli import main
from tests.helpers import EXAMPLES

pytestmark = pytest.mark.e2e

REQUEST = "target=src/textkit/tokens.py::dedupe bench=benchmarks/test_bench_tokens.py"


def _run(repo: Path, python: str, out: Path, *flags: str, request: str = REQUEST) -> int:
    return main([
        "run", "--repo", str(repo), "--python", python, "--out", str(out),
        "--request", request,
        "--model", f"scripted:{EXAMPLES / 'scripted' / 'textkit-dedupe.jsonl'}",
        *flags,
    ])  # fmt: skip


def _events(out: Path, name: str) -> list[dict[str, Any]]:
    lines = (out / "trace.jsonl").read_text().splitlines()
    return [e for e in map(json.loads, lines) if e.get("name") == name]


def test_subprocess_limit_stops_during_the_candidates_and_the_flag_beats_the_config(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    # The repository's config would stop the run in the baseline; the flag gives it more room.
    (example_repo / ".ciopt.toml").write_text("[limits]\nsubprocess_calls = 3\n")
    out = tmp_path / "out"
    # the baseline takes 5 processes and the first two candidates 2 more; the third needs many
    code = _run(example_repo, client_python, out, "--max-subprocess-calls", "12")
    assert code == 0
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["budget"]["limits"]["subprocess_calls"] == 12
    assert verdict["budget"]["spent"]["subprocess_calls"] <= 12
    assert (verdict["verdict"], verdict["reason"]) == ("rejected", "budget_exhausted")
    assert verdict["stopped_by"] == "subprocess_calls"
    assert "subprocess_calls" in verdict["message"]
    # the candidates finished before the limit are kept; the one it interrupted is not claimed
    assert [c["reason"] for c in verdict["candidates"]] == ["not_applied", "tests_failed"]
    assert "the `subprocess_calls` budget was reached" in (out / "report.md").read_text()
    assert [e["attrs"]["limit"] for e in _events(out, "budget.exhausted")] == ["subprocess_calls"]
    # the trace's budget after each span counts processes and the bytes written so far
    lines = (out / "trace.jsonl").read_text().splitlines()
    spent = [e["budget"]["spent"] for e in map(json.loads, lines) if e["type"] == "span_end"]
    assert spent[-1]["subprocess_calls"] == verdict["budget"]["spent"]["subprocess_calls"]
    assert 0 < spent[0]["output_bytes"] < spent[-1]["output_bytes"]


def test_a_limit_reached_in_the_baseline_is_a_clean_budget_stop(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    (example_repo / ".ciopt.toml").write_text("[limits]\nsubprocess_calls = 3\n")
    out = tmp_path / "out"
    assert _run(example_repo, client_python, out) == 1
    verdict = json.loads((out / "verdict.json").read_text())
    assert (verdict["verdict"], verdict["reason"]) == ("error", "budget_exhausted")
    assert verdict["stopped_by"] == "subprocess_calls"
    assert verdict["message"] == "budget limit subprocess_calls reached (3 of 3)"
    assert verdict["budget"]["spent"]["subprocess_calls"] == 3
    exhausted = _events(out, "budget.exhausted")
    assert [e["attrs"] for e in exhausted] == [
        {"limit": "subprocess_calls", "spent": 3, "allowed": 3}
    ]
    assert _events(out, "run.error")  # and the error is recorded after it
    assert (out / "trace.otlp.jsonl").is_file()


def test_the_output_limit_from_the_request_stops_before_the_first_candidate(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    # 1 KiB: the baseline's trace alone is more than that
    code = _run(example_repo, client_python, out, request=f"{REQUEST} max_output_mb=0.001")
    assert code == 0
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["budget"]["limits"]["output_bytes"] == 1049
    assert (verdict["verdict"], verdict["reason"]) == ("inconclusive", "budget_exhausted")
    assert verdict["stopped_by"] == "output_bytes"
    assert verdict["candidates"] == []
    assert verdict["budget"]["spent"]["llm_calls"] == 0
    assert [e["attrs"]["limit"] for e in _events(out, "budget.exhausted")] == ["output_bytes"]
