"""Where a command's progress and result go: the progress on stderr (never into the output
folder), ``--quiet`` the result only, ``--json`` the verdict alone on stdout; and a display
that fails ends the display, never the run."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ciopt.cli import main
from ciopt.commands import COMMANDS
from ciopt.commands.display import Follower, Output
from ciopt.flows import Session
from ciopt.verdict import CandidateRecord, Verdict
from tests.commands.display.records import emit
from tests.helpers.display import PROGRESS, without_progress

VERDICT = Verdict(
    verdict="faster",
    reason="verified_faster",
    message="candidate 2 is faster",
    candidates=[
        CandidateRecord(id=1, outcome="rejected", reason="not_applied", message="no match"),
        CandidateRecord(id=2, outcome="faster", reason="verified_faster", message="0.5x"),
    ],
)
NOTE = "ciopt: a note while the run goes"
# what differs between two runs of the same thing: ids, times, durations
VARYING = {"run_id", "ts", "span_id", "parent_id", "duration_s", "budget", "expires_at"}


@pytest.fixture
def flow(monkeypatch: pytest.MonkeyPatch) -> None:
    """``ciopt run``'s flow as a stand-in: the spans of a run, its verdict written."""

    def optimize_request(session: Session, text: Callable[[], str], repo: Path) -> Verdict:
        print(NOTE)  # as the session says which executor it chose
        emit(session.tracer)
        session.out.write_verdict(VERDICT)
        session.out.write_report("# report\n")
        return VERDICT

    monkeypatch.setattr(COMMANDS["run"], "optimize_request", optimize_request)


def _run(tmp_path: Path, out: Path, *flags: str) -> int:
    return main(["run", "--repo", str(tmp_path), "--request", "target=src/m.py::f",
                 "--out", str(out), *flags])  # fmt: skip


def _folder(out: Path) -> dict[str, Any]:
    """What the output folder holds, less what differs from run to run."""
    held: dict[str, Any] = {}
    for path in sorted(out.rglob("*")):
        name = str(path.relative_to(out))
        if path.name == "trace.jsonl":
            records = [json.loads(line) for line in path.read_text().splitlines()]
            held[name] = [{k: v for k, v in r.items() if k not in VARYING} for r in records]
        elif path.is_file() and path.suffix in (".json", ".md"):
            held[name] = path.read_text()
        else:
            held[name] = path.is_dir()
    return held


@pytest.mark.usefixtures("flow")
def test_the_progress_goes_to_stderr_and_the_summary_to_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITLAB_CI", raising=False)
    assert _run(tmp_path, tmp_path / "out") == 0
    said = capsys.readouterr()
    assert said.out.startswith(f"{NOTE}\nciopt: faster (verified_faster) - candidate 2 is faster\n")
    assert not any(PROGRESS.match(line) for line in said.out.splitlines())
    progress = said.err.splitlines()
    assert progress and all(PROGRESS.match(line) for line in progress)
    assert any(" -- candidate 1 of " in line for line in progress)


@pytest.mark.usefixtures("flow")
def test_quiet_prints_the_result_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, tmp_path / "out", "--quiet") == 0
    said = capsys.readouterr()
    assert said.err == f"{NOTE}\n"  # no progress; a note of the run's on stderr
    assert said.out.startswith("ciopt: faster (verified_faster)")
    assert said.out.splitlines()[-1].startswith("  results: ")


@pytest.mark.usefixtures("flow")
@pytest.mark.parametrize("quiet", [[], ["--quiet"]])
def test_json_prints_the_verdict_alone_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], quiet: list[str]
) -> None:
    out = tmp_path / "out"
    assert _run(tmp_path, out, "--json", *quiet) == 0
    said = capsys.readouterr()
    assert said.out == (out / "verdict.json").read_text()
    assert json.loads(said.out)["verdict"] == "faster"
    if quiet:
        assert said.err == f"{NOTE}\n"
    else:  # the summary and the progress, on stderr
        assert without_progress(said.err).startswith(f"{NOTE}\nciopt: faster (verified_faster)")
        assert any(PROGRESS.match(line) for line in said.err.splitlines())


@pytest.mark.usefixtures("flow")
def test_the_progress_changes_nothing_in_the_output_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _run(tmp_path, tmp_path / "quiet", "--quiet") == 0
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    assert _run(tmp_path, tmp_path / "github") == 0
    monkeypatch.delenv("GITHUB_ACTIONS")
    monkeypatch.setenv("GITLAB_CI", "true")
    assert _run(tmp_path, tmp_path / "gitlab", "--json") == 0
    said = capsys.readouterr()
    assert "::group::candidate 2 of " in said.err and "section_start:" in said.err
    quiet = _folder(tmp_path / "quiet")
    assert "trace.jsonl" in quiet and "verdict.json" in quiet
    assert _folder(tmp_path / "github") == quiet
    assert _folder(tmp_path / "gitlab") == quiet


@pytest.mark.usefixtures("flow")
def test_a_display_that_fails_stops_showing_and_the_run_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fed: list[str] = []

    def feed(self: Follower, record: dict[str, Any]) -> list[Any]:
        fed.append(str(record.get("name")))
        if record.get("name") == "workspace":
            raise RuntimeError("the terminal went away")
        return []

    monkeypatch.setattr(Follower, "feed", feed)
    assert _run(tmp_path, tmp_path / "out") == 0
    said = capsys.readouterr()
    assert said.err == "ciopt: progress display stopped (RuntimeError: the terminal went away)\n"
    assert said.out.startswith(f"{NOTE}\nciopt: faster (verified_faster)")
    assert fed[-1] == "workspace"  # followed no further
    assert json.loads((tmp_path / "out" / "verdict.json").read_text())["verdict"] == "faster"
    assert _folder(tmp_path / "out").keys() == {
        "bench",
        "report.md",
        "trace.html",
        "trace.jsonl",
        "trace.otlp.jsonl",
        "verdict.json",
    }


def test_json_in_forge_mode_prints_each_verdict_the_run_wrote(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    (out / "issue-9").mkdir(parents=True)
    (out / "issue-9" / "verdict.json").write_text('{"old": 1}\n')  # an earlier run's
    stale = (out / "issue-9" / "verdict.json").stat().st_mtime - 60
    os.utime(out / "issue-9" / "verdict.json", (stale, stale))

    def answer_requests(repo: Path, environ: Any, flags: dict[str, Any], **_: Any) -> int:
        for key in ("issue-1", "issue-2"):
            (out / key).mkdir(exist_ok=True)
            (out / key / "verdict.json").write_text(json.dumps({"thread": key}, indent=2) + "\n")
        print("ciopt: faster (verified_faster) - said on the thread")
        return 0

    monkeypatch.setattr(COMMANDS["run"], "answer_requests", answer_requests)
    assert main(["run", "--repo", str(tmp_path), "--poll", "--forge", "github",
                 "--out", str(out), "--json"]) == 0  # fmt: skip
    said = capsys.readouterr()
    assert _documents(said.out) == [{"thread": "issue-1"}, {"thread": "issue-2"}]
    assert "said on the thread" in said.err  # what the job printed went to stderr


def _documents(text: str) -> list[Any]:
    """The JSON documents printed one after another (as ``jq`` reads them)."""
    decoder, found, at = json.JSONDecoder(), [], 0
    while text[at:].strip():
        at += len(text[at:]) - len(text[at:].lstrip())
        value, at = decoder.raw_decode(text, at)
        found.append(value)
    return found


def test_an_output_without_a_terminal_writes_lines_and_quiet_writes_nothing() -> None:
    err = io.StringIO()
    output = Output(stdout=io.StringIO(), stderr=err, environ={}, quiet=False)
    with output.running() as display:
        assert display.listeners == [display.on_record]
        display.on_record({"type": "header", "command": "compare", "ts": "2026-01-01T10:00:00"})
        display.note("task 1/2 dedupe: started")
    assert [line[9:] for line in err.getvalue().splitlines()] == [
        "ciopt compare: started",
        "task 1/2 dedupe: started",
    ]
    quiet = Output(stdout=io.StringIO(), stderr=err, environ={}, quiet=True)
    with quiet.running() as display:
        assert display.listeners == []
        display.note("unseen")
    assert "unseen" not in err.getvalue()


def test_quiet_in_forge_mode_keeps_each_answer_on_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def answer_requests(repo: Path, environ: Any, flags: dict[str, Any], **_: Any) -> int:
        print("ciopt: faster (verified_faster) - said on the thread")  # a request's result
        return 0

    monkeypatch.setattr(COMMANDS["run"], "answer_requests", answer_requests)
    args = ["run", "--repo", str(tmp_path), "--forge", "github", "--out", str(tmp_path / "o")]
    assert main([*args, "--quiet"]) == 0
    said = capsys.readouterr()
    assert (said.out, said.err) == ("ciopt: faster (verified_faster) - said on the thread\n", "")
