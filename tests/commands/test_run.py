"""``ciopt run``'s command: the request's text, the summary it prints, and the forge mode that
answers the CI event instead. The flow is tested end to end in tests/e2e/."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ciopt.cli import main
from ciopt.commands import COMMANDS
from ciopt.flows import Session
from ciopt.verdict import CandidateRecord, Verdict
from tests.helpers.display import without_progress
from tests.helpers.sinks import FailingSink, KeepingSink


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def optimize_request(session: Session, text: Callable[[], str], repo: Path) -> Verdict:
        seen.update(text=text(), repo=repo, settings=session.settings)
        return Verdict(
            verdict="faster",
            reason="verified_faster",
            message="candidate 1 is faster",
            branch="ciopt/x",
            pr_url="file:///x.md",
            candidates=[CandidateRecord(id=1, outcome="faster", reason="ok", message="0.5x")],
        )

    def answer_requests(
        repo: Path, environ: Any, flags: dict[str, Any], *, poll: Any, **_: Any
    ) -> int:
        seen.update(forge_mode=True, repo=repo, poll=poll, flags=flags)
        return 0

    monkeypatch.setattr(COMMANDS["run"], "optimize_request", optimize_request)
    monkeypatch.setattr(COMMANDS["run"], "answer_requests", answer_requests)
    return seen


def test_a_request_file_is_read_and_the_summary_printed(
    asked: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = tmp_path / "request.txt"
    request.write_text("target=src/m.py::f")
    out = tmp_path / "out"
    args = ["run", "--repo", str(tmp_path), "--request-file", str(request), "--out", str(out)]
    assert main([*args, "--candidates", "2", "--max-minutes", "1.5"]) == 0
    assert asked["text"] == "target=src/m.py::f" and "forge_mode" not in asked
    assert asked["settings"].limits.candidates == 2
    assert asked["settings"].limits.wall_seconds == 90
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "ciopt: faster (verified_faster) - candidate 1 is faster"
    assert printed[1].split() == ["candidate", "1:", "faster", "ok:", "0.5x"]
    assert "published: branch ciopt/x (file:///x.md)" in printed[2]
    assert printed[3].startswith(f"  results: {out}/ (")


def test_the_results_line_names_the_trace_files_the_session_writes_as_it_closes(
    asked: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    (out / "work").mkdir(parents=True)  # no artifact of ciopt's: not listed
    args = ["run", "--repo", str(tmp_path), "--request", "target=src/m.py::f", "--out", str(out)]
    assert main(args) == 0
    last = capsys.readouterr().out.splitlines()[-1]
    # the stand-in of the flow wrote no verdict or report
    assert last == f"  results: {out}/ (trace.jsonl, trace.otlp.jsonl, trace.html, bench/)"
    assert (out / "trace.html").is_file() and (out / "trace.otlp.jsonl").is_file()


def test_the_summary_says_a_limit_the_run_went_past(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    over = "908.0 s of wall time spent, past the wall_seconds limit of 720.0 s"

    def optimize_request(session: Session, text: Callable[[], str], repo: Path) -> Verdict:
        return Verdict(
            verdict="inconclusive",
            reason="no_candidate",
            message="no candidate was evaluated",
            stopped_by="wall_seconds",
            stopped_message=over,
            budget=session.ledger.snapshot(),
        )

    monkeypatch.setattr(COMMANDS["run"], "optimize_request", optimize_request)
    args = ["run", "--repo", str(tmp_path), "--request", "target=src/m.py::f"]
    assert main([*args, "--out", str(tmp_path / "out")]) == 0
    assert f"  over budget (wall_seconds): {over}\n" in capsys.readouterr().out


def test_a_missing_request_file_is_a_one_line_error(
    asked: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere.txt"
    code = main(["run", "--repo", str(tmp_path), "--request-file", str(missing),
                 "--out", str(tmp_path / "out")])  # fmt: skip
    assert code == 1
    err = without_progress(capsys.readouterr().err)
    assert err == f"error: --request-file {missing} does not exist\n"


def test_without_a_request_the_ci_event_is_answered(asked: dict[str, Any], tmp_path: Path) -> None:
    assert main(["run", "--repo", str(tmp_path), "--poll", "3", "--forge", "github"]) == 0
    assert asked["forge_mode"] and asked["poll"] == 3 and asked["flags"]["forge"] == "github"


@pytest.mark.parametrize(("flag", "kept"), [([], False), (["--keep-work"], True)])
def test_keep_work_reaches_the_settings(
    asked: dict[str, Any], tmp_path: Path, flag: list[str], kept: bool
) -> None:
    out = tmp_path / "out"
    args = ["run", "--repo", str(tmp_path), "--request", "target=src/m.py::f", "--out", str(out)]
    assert main([*args, *flag]) == 0
    assert asked["settings"].keep_work is kept
    assert (out / "work").is_dir() is kept


def test_the_results_line_says_which_trace_sinks_received_the_trace(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def optimize_request(session: Session, text: Callable[[], str], repo: Path) -> Verdict:
        session.sinks = [KeepingSink(), FailingSink()]
        return Verdict(verdict="rejected", reason="tests_failed", message="no candidate passed")

    monkeypatch.setattr(COMMANDS["run"], "optimize_request", optimize_request)
    out = tmp_path / "out"
    args = ["run", "--repo", str(tmp_path), "--request", "target=src/m.py::f", "--out", str(out)]
    assert main(args) == 0  # a sink that failed changes no exit code

    printed = capsys.readouterr()
    assert printed.out.splitlines()[-1] == (
        f"  results: {out}/ (trace.jsonl, trace.otlp.jsonl, trace.html, bench/); "
        "trace sent to keep://here/; trace not sent to fail://there/ (the error is above)"
    )
    assert without_progress(printed.err) == (
        "ciopt: trace sink fail (fail://there/) failed: the store said no; "
        f"the trace is still in {out}/\n"
    )
