"""``ciopt trace show``: the terminal summary of a trace."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciopt.cli import main
from ciopt.trace.read import read_trace
from ciopt.trace.summary import summarize
from tests.trace.written import POLICY, write_crashed_trace, write_run_trace


def test_summary_of_a_finished_run(tmp_path: Path) -> None:
    text = summarize(read_trace(write_run_trace(tmp_path / "trace.jsonl")))
    lines = text.splitlines()
    assert lines[0].startswith("ciopt run · run run-abc123 · ciopt 0.1.0 · capture full")
    assert "expires 2099-01-31T00:00:00+00:00" in lines[0]
    assert "outcome: no_change (budget_exhausted)" in lines
    assert "stopped by: budget limit llm_calls (2 of 2)" in lines
    steps = [line.split()[0] for line in _section(lines, "steps")]
    assert steps == ["step", "request", "baseline.tests", "candidate", "publish"]
    assert _section(lines, "candidates")[1].split() == ["1", "rejected", "tests_failed", "–"]
    call = _section(lines, "llm calls")[1].split()
    assert call[:3] == ["propose", "scripted", POLICY[:15] + "…"]
    assert call[3:] == ["2", "2000/200", "$0.0040", "3", "s", "ok"]
    budget = {row.split()[0]: row.split()[1:] for row in _section(lines, "budget")}
    assert budget["llm_calls"] == ["2", "2", "100%"]
    assert budget["cost_usd"] == ["0.004", "1", "<1%"]
    assert all(line == line.rstrip() for line in lines)


def test_summary_of_a_crashed_run_names_the_unfinished_spans(tmp_path: Path) -> None:
    text = summarize(read_trace(write_crashed_trace(tmp_path / "trace.jsonl")))
    assert "outcome: did not finish" in text
    assert "unfinished: candidate 1, verify.tests" in text
    assert "1 line(s) could not be read" in text
    assert "llm calls:" not in text
    assert "budget:" not in text


def test_trace_show_prints_the_summary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write_run_trace(tmp_path / "trace.jsonl")
    assert main(["trace", "show", str(path)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ciopt run · run run-abc123")
    assert "stopped by: budget limit llm_calls" in out


def test_trace_show_of_a_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["trace", "show", str(tmp_path / "missing.jsonl")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: no trace at ")
    assert len(err.strip().splitlines()) == 1


def _section(lines: list[str], title: str) -> list[str]:
    """The rows under ``title:`` (or ``title (...):``) up to the next blank line."""
    start = next(i for i, line in enumerate(lines) if line.startswith(title) and line[-1] == ":")
    end = next((i for i in range(start + 1, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start + 1 : end]
