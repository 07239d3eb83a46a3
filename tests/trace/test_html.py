"""``trace.html``: one self-contained, escaped page; content only when the run captured it."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from ciopt.cli import main
from ciopt.trace import Tracer
from ciopt.trace.html import render_html, write_html
from ciopt.trace.read import read_trace
from ciopt.trace.summary import summarize
from tests.trace.written import (
    CODE,
    REPAIR,
    RESPONSE,
    RESPONSE_SHA,
    SYSTEM,
    write_crashed_trace,
    write_run_trace,
)


def page(trace: Path) -> str:
    return write_html(read_trace(trace), trace.with_name("trace.html")).read_text(encoding="utf-8")


def test_full_capture_shows_prompt_blobs_and_responses(tmp_path: Path) -> None:
    text = page(write_run_trace(tmp_path / "trace.jsonl"))
    assert SYSTEM in text
    assert html.escape(CODE, quote=False) in text  # the context block, resolved from its blob
    assert text.count("return sorted(xs)[0]") == 1  # shown once, not per attempt
    assert REPAIR in text
    assert "I would use min() here." in text  # the first attempt's response
    assert "<edit" not in text  # a response is text, never markup
    assert "&lt;edit file=&#34;m.py&#34;&gt;return min(xs) if xs &amp; True" in text
    assert "<details" in text
    assert "policy propose.default" in text


def test_hashed_capture_shows_hashes_not_content(tmp_path: Path) -> None:
    text = page(write_run_trace(tmp_path / "trace.jsonl", capture="hashed"))
    assert "Content was not captured (content_capture=hashed)" in text
    for content in (SYSTEM, "sorted(xs)", REPAIR, "min(xs)", "I would use min()"):
        assert content not in text
    assert RESPONSE_SHA in text
    assert "irhash456" in text
    assert "<th>response_chars</th><td>71</td>" in text


def test_page_is_self_contained(tmp_path: Path) -> None:
    text = page(write_run_trace(tmp_path / "trace.jsonl")).lower()
    for reference in ("http://", "https://", "src=", "<link", "@import", "url("):
        assert reference not in text, reference
    assert text.startswith("<!doctype html>")
    assert "<style>" in text


def test_timeline_budget_candidates_and_events(tmp_path: Path) -> None:
    text = page(write_run_trace(tmp_path / "trace.jsonl"))
    bars = re.findall(r'<div class="bar (\w+)" style="left: ([\d.]+)%; width: ([\d.]+)%"', text)
    assert len(bars) == 9  # every span
    assert all(0 <= float(left) <= 100 and 0 < float(width) <= 100 for _, left, width in bars)
    assert [status for status, _, _ in bars].count("error") == 1  # verify.guard
    assert "RuntimeError: the guard crashed" in text
    assert 'llm_calls <span class="tag error">stopped the run</span>' in text
    assert "tests_failed" in text and "propose, verify.guard (error)" in text
    assert "<td>budget.exhausted</td>" in text
    assert "no_change</span> budget_exhausted" in text


def test_crashed_trace_marks_unfinished_spans(tmp_path: Path) -> None:
    text = page(write_crashed_trace(tmp_path / "trace.jsonl"))
    assert "did not finish" in text
    assert 'verify.tests <span class="tag unfinished">unfinished</span>' in text
    assert text.count('class="bar unfinished"') == 2
    assert "1 line(s) could not be read" in text


def test_every_cut_of_a_trace_renders(tmp_path: Path) -> None:
    """A crash can stop the trace anywhere: the summary and the page are made from any prefix."""
    full = write_run_trace(tmp_path / "full.jsonl").read_text(encoding="utf-8")
    header_end = full.index("\n") + 1
    cut = tmp_path / "trace.jsonl"
    for end in range(header_end, len(full) + 1, max(len(full) // 60, 1)):
        cut.write_text(full[:end], encoding="utf-8")
        trace = read_trace(cut)
        assert summarize(trace).startswith("ciopt run")
        assert "</html>" in render_html(trace)


def test_errors_and_tracebacks_are_escaped(tmp_path: Path) -> None:
    tracer = Tracer(tmp_path / "trace.jsonl", header={"command": "compare"})
    with pytest.raises(ValueError), tracer.span("workspace"):
        raise ValueError("<script>alert(1)</script>")
    tracer.exception(ValueError("<b>bug</b>"))
    tracer.close()
    text = page(tmp_path / "trace.jsonl")
    assert "<script" not in text and "<b>bug" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "traceback" in text


def test_trace_html_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    trace = write_run_trace(tmp_path / "trace.jsonl")
    assert main(["trace", "html", str(trace)]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "trace.html")
    assert RESPONSE[:8] in (tmp_path / "trace.html").read_text(encoding="utf-8")
    out = tmp_path / "pages" / "run.html"
    assert main(["trace", "html", str(trace), "-o", str(out)]) == 0
    assert out.is_file()
    assert main(["trace", "html", str(tmp_path / "missing.jsonl")]) == 1
    assert capsys.readouterr().err.startswith("error: no trace at ")
