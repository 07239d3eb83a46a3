"""``trace.html``: one self-contained, escaped page; content only when the run captured it."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from ciopt.cli import main
from ciopt.trace import Tracer
from ciopt.trace.html import render_html, write_html
from ciopt.trace.read import read_trace
from ciopt.trace.summary import summarize
from tests.helpers import EXAMPLES, require_command
from tests.helpers.browser import open_page
from tests.trace.written import (
    CODE,
    REPAIR,
    RESPONSE,
    RESPONSE_SHA,
    SYSTEM,
    write_crashed_trace,
    write_measured_trace,
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


@pytest.mark.parametrize("write", [write_run_trace, write_measured_trace])
def test_page_is_self_contained(tmp_path: Path, write: Callable[[Path], Path]) -> None:
    text = page(write(tmp_path / "trace.jsonl")).lower()
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


def test_measurements_are_drawn_one_point_a_round(tmp_path: Path) -> None:
    text = page(write_measured_trace(tmp_path / "trace.jsonl"))
    figures = re.findall(r'<svg class="rounds" data-measure="([^"]*)".*?</svg>', text, re.DOTALL)
    assert figures == ["candidate 1", "candidate 2"]
    svgs = re.findall(r'<svg class="rounds".*?</svg>', text, re.DOTALL)
    assert [s.count('<circle class="round"') for s in svgs] == [5, 3]
    assert [s.count('<g class="look') for s in svgs] == [2, 1]
    assert all('<rect class="band"' in s and "1 ± 0.02" in s for s in svgs)
    assert "<title>round 1: ratio 0.52</title>" in svgs[0]
    budget = re.search(r'<svg class="budget".*?</svg>', text, re.DOTALL)
    assert budget is not None
    assert re.findall(r'<rect class="spent ?(\w*)"', budget.group()) == ["over", "full", ""]
    assert "5 of 4 (125%)" in budget.group()
    assert "<script" not in text.lower()


def test_chart_labels_are_escaped(tmp_path: Path) -> None:
    tracer = Tracer(tmp_path / "trace.jsonl", header={"command": "run"})
    with tracer.span("measure", candidate="<script>alert(1)</script>") as sp:
        tracer.event("measure.round", round=0, medians={}, ratio=0.5)
        sp.set(verdict='"><svg onload=x>', looks=[])
    tracer.close()
    text = page(tmp_path / "trace.jsonl")
    assert "<script" not in text and "<svg onload" not in text
    assert 'data-measure="candidate &lt;script&gt;alert(1)&lt;/script&gt;"' in text


# in the rendered page: each measurement's figure, its points and looks; the budget's bars
FIGURES = """[...document.querySelectorAll("svg.rounds")].map(svg => ({
    measure: svg.dataset.measure,
    points: svg.querySelectorAll("circle.round").length,
    looks: svg.querySelectorAll("g.look").length,
    band: svg.querySelectorAll("rect.band").length,
    drawn: svg.getBoundingClientRect().width > 0,
}))"""
BUDGET = 'document.querySelectorAll("svg.budget rect.spent").length'
SCRIPTS = "document.scripts.length"


def test_the_browser_check_sees_a_pages_requests(tmp_path: Path) -> None:
    """The check below is only as good as its detector: a page that asks for anything is seen."""
    require_command("chromium", "chromium", "the page is opened in a headless browser")
    asking = tmp_path / "asking.html"
    asking.write_text(
        '<!DOCTYPE html><img src="https://example.test/x.png">'
        '<svg><image href="http://127.0.0.1:9/y.png"/></svg>'
        "<style>body { background: url(/z.png) }</style>",
        encoding="utf-8",
    )
    opened = open_page(asking, {})
    assert opened.requests[0] == asking.as_uri()
    assert {"https://example.test/x.png", "http://127.0.0.1:9/y.png", "file:///z.png"} <= set(
        opened.requests
    )


@pytest.mark.e2e
def test_the_demos_page_in_a_browser(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    """The demo's trace.html in headless Chromium: it asks for nothing but itself, it draws a
    figure a measured candidate with one point a round (as many as the trace recorded), and a
    screenshot of it is a real picture."""
    require_command("chromium", "chromium", "the page is opened in a headless browser")
    out = tmp_path / "out"
    argv = ["run", "--repo", str(example_repo), "--out", str(out), "--python", client_python]
    argv += ["--request-file", str(EXAMPLES / "requests" / "textkit-dedupe.txt")]
    argv += ["--model", f"scripted:{EXAMPLES / 'scripted' / 'textkit-dedupe.jsonl'}"]
    assert main(argv) == 0
    page_file = out / "trace.html"
    opened = open_page(page_file, {"figures": FIGURES, "budget": BUDGET, "scripts": SCRIPTS})

    assert opened.requests == [page_file.as_uri()]  # the page itself, nothing else
    assert opened.values["scripts"] == 0

    trace = read_trace(out / "trace.jsonl")
    expected = [
        {"measure": m.label, "points": len(m.rounds), "looks": len(m.looks), "band": 1}
        for m in trace.measures
    ]
    drawn = opened.values["figures"]
    assert all(f.pop("drawn") for f in drawn)
    assert drawn == expected
    # the candidates the verdict says were measured, with as many rounds as its benchmarks
    verdict = json.loads((out / "verdict.json").read_text())
    measured = {
        f"candidate {c['id']}": c["benchmarks"][0]["rounds"]
        for c in verdict["candidates"]
        if c["benchmarks"]
    }
    assert {f["measure"]: f["points"] for f in drawn} == measured
    assert len(measured) == 2  # the demo measures a slower candidate and the winner
    assert opened.values["budget"] == len([r for r in trace.budget if r.limit is not None])

    shot = out / "trace.png"
    shot.write_bytes(opened.screenshot)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # a whole page of text and figures, not a blank
