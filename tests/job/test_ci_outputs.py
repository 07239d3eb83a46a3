from __future__ import annotations

from pathlib import Path

import pytest

from ciopt.cli import main
from ciopt.job.ci_outputs import SUMMARY_LIMIT, collect
from ciopt.report import render_report
from ciopt.verdict import BenchmarkVerdict, Origin, Verdict
from tests.helpers.markdown import PLANTED, code_texts, loose, mermaid_blocks, parse_xychart


def _write(folder: Path, verdict: Verdict, report: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "verdict.json").write_text(verdict.to_json())
    if report is not None:
        (folder / "report.md").write_text(report)
    return folder


def faster(reason: str = "all_faster") -> Verdict:
    return Verdict(
        verdict="faster",
        reason=reason,
        message="faster",
        ratio=0.0157,
        pr_url="https://github.com/o/r/pull/7",
        origin=Origin(forge="github", thread="issue-3", url="https://github.com/o/r/issues/3"),
    )


def skipped() -> Verdict:
    return Verdict(
        verdict="skipped",
        reason="unauthorized",
        message="no write access",
        origin=Origin(forge="github", thread="issue-4"),
    )


def test_one_request_gives_its_values(tmp_path: Path) -> None:
    _write(tmp_path, faster(), report="# tokens() is 64x faster\n")
    outputs = collect(tmp_path, "ciopt-12-1")
    assert outputs.values == {
        "verdict": "faster",
        "reason": "all_faster",
        "ratio": "0.0157",
        "pr_url": "https://github.com/o/r/pull/7",
        "count": "1",
    }
    assert outputs.github().splitlines()[-1] == "artifact=ciopt-12-1"
    assert "CIOPT_VERDICT=faster\n" in outputs.dotenv()
    assert "CIOPT_RATIO=0.0157\n" in outputs.dotenv()
    summary = outputs.summary()
    assert summary.startswith("## ciopt: faster (63.7× faster)\n")
    assert "# tokens() is 64x faster" in summary
    assert "`ciopt-12-1`" in summary
    assert "[https://github.com/o/r/pull/7](https://github.com/o/r/pull/7)" in summary


def test_a_poll_reports_the_most_telling_verdict_and_every_pull_request(tmp_path: Path) -> None:
    _write(tmp_path / "issue-4", skipped())
    _write(tmp_path / "issue-3", faster(), report="the report of issue 3\n")
    outputs = collect(tmp_path)
    assert outputs.values["verdict"] == "faster"
    assert outputs.values["count"] == "2"
    assert outputs.values["pr_url"] == "https://github.com/o/r/pull/7"
    summary = outputs.summary()
    assert summary.index("### issue-3") < summary.index("### issue-4")
    assert "the report of issue 3" in summary
    assert "**skipped** (unauthorized)" in summary
    assert "no write access" in summary  # no report.md: the message stands in


def test_no_verdict_reads_as_none(tmp_path: Path) -> None:
    outputs = collect(tmp_path / "missing")
    assert outputs.values["verdict"] == "none"
    assert outputs.values["reason"] == "no_verdict"
    assert "stopped before writing verdict.json" in outputs.summary()


def test_an_unreadable_verdict_is_named(tmp_path: Path) -> None:
    (tmp_path / "verdict.json").write_text('{"verdict": "splendid"}')
    outputs = collect(tmp_path)
    assert outputs.values["verdict"] == "none"
    assert "verdict.json could not be read" in outputs.summary()


def test_values_stay_on_one_line(tmp_path: Path) -> None:
    """A value with a line break would start a new output (an injected one) in either format."""
    _write(tmp_path, faster(reason="x\nINJECTED=1"))
    outputs = collect(tmp_path, "name\r\nmore=2")
    lines = outputs.github().splitlines()
    assert "reason=x INJECTED=1" in lines
    assert "artifact=name more=2" in lines
    assert not any(line.startswith(("INJECTED", "more")) for line in lines)
    assert not any(line.startswith("INJECTED") for line in outputs.dotenv().splitlines())


def test_a_huge_report_is_cut_to_what_a_job_summary_takes(tmp_path: Path) -> None:
    _write(tmp_path, faster(), report="é" * SUMMARY_LIMIT)
    summary = collect(tmp_path).summary()
    assert len(summary.encode()) < SUMMARY_LIMIT + 200
    assert summary.endswith("report.md in the artifact)*\n")


def test_command_appends_outputs_and_summary_and_writes_dotenv(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _write(tmp_path / "ciopt-out", faster(), report="the report\n")
    github_output, summary, dotenv = tmp_path / "out", tmp_path / "summary.md", tmp_path / "x.env"
    github_output.write_text("earlier=1\n")
    summary.write_text("# earlier step\n")
    argv = ["outputs", "--out", str(out), "--artifact", "art"]
    argv += ["--github-output", str(github_output), "--step-summary", str(summary)]
    assert main([*argv, "--dotenv", str(dotenv)]) == 0
    assert github_output.read_text().startswith("earlier=1\nverdict=faster\n")
    assert summary.read_text().startswith("# earlier step\n## ciopt: faster")
    assert dotenv.read_text().startswith("CIOPT_VERDICT=faster\nCIOPT_REASON=all_faster\n")
    assert "verdict=faster" in capsys.readouterr().out


def test_command_exits_zero_without_a_run(tmp_path: Path) -> None:
    dotenv = tmp_path / "x.env"
    assert main(["outputs", "--out", str(tmp_path / "none"), "--dotenv", str(dotenv)]) == 0
    assert "CIOPT_VERDICT=none\n" in dotenv.read_text()


def test_a_message_that_quotes_a_request_is_shown_as_code(tmp_path: Path) -> None:
    message = f"cannot read {PLANTED!r} in the request; write key=value words"
    _write(tmp_path, Verdict(verdict="error", reason="bad_request", message=message))
    summary = collect(tmp_path).summary()
    assert loose(summary) == []
    assert any("@org/team" in shown for shown in code_texts(summary))


def test_the_summary_charts_base_against_head_once(tmp_path: Path) -> None:
    """From report.md when there is one, else from verdict.json: never twice."""
    bench = BenchmarkVerdict(
        name="b.py::test_f",
        ratio=0.25,
        ci=(0.2, 0.3),
        rounds=9,
        base_median_s=4e-3,
        head_median_s=1e-3,
        verdict="faster",
    )
    verdict = faster().model_copy(
        update={"benchmarks": [bench], "ci": (0.2, 0.3), "confidence": 0.99, "min_effect": 0.02}
    )
    verdict.budget = {"limits": {}, "spent": {}}  # what a report shows, even when empty
    alone = collect(_write(tmp_path / "alone", verdict)).summary()
    (chart,) = map(parse_xychart, mermaid_blocks(alone))
    assert chart.categories == ["test_f · base", "test_f · head"] and chart.bars == [4.0, 1.0]
    with_report = _write(tmp_path / "reported", verdict, report=render_report(verdict))
    (chart,) = map(parse_xychart, mermaid_blocks(collect(with_report).summary()))
    assert chart.categories[1] == "test_f · candidate"  # the report's own
