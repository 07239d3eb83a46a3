from __future__ import annotations

import json

import pytest

from ciopt.flows import run_verdict
from ciopt.forges import Person, Rules
from ciopt.report import render_compare, render_report, render_text
from ciopt.verdict import (
    BenchmarkVerdict,
    CandidateRecord,
    Correctness,
    Discovery,
    Guard,
    HotFunction,
    TestCounts,
    Verdict,
)
from tests.helpers.markdown import (
    MARKS,
    PLANTED,
    code_texts,
    loose,
    mermaid_blocks,
    parse_xychart,
    render,
    tokens,
)

BUDGET = {"limits": {"llm_calls": 4}, "spent": {"llm_calls": 2}}
BENCH = BenchmarkVerdict(
    name="b.py::test_f",
    ratio=0.25,
    ci=(0.2, 0.3),
    rounds=10,
    base_median_s=4e-3,
    head_median_s=1e-3,
    verdict="faster",
)
WINNER = CandidateRecord(
    id=2,
    outcome="faster",
    reason="verified_faster",
    message="ratio 0.25",
    head="b" * 40,
    rationale="A set replaces the list scan.",
    ratio=0.25,
    ci=(0.2, 0.3),
    benchmarks=[BENCH],
    correctness=Correctness(tests=TestCounts(passed=9), guard=Guard(changed_files=["src/m.py"])),
    diff="--- a/src/m.py\n+++ b/src/m.py\n",
)
LOSER = CandidateRecord(
    id=1, outcome="rejected", reason="tests_failed", message="1 test(s) broke: t | x"
)


def test_a_faster_report_shows_speedup_evidence_change_and_fates() -> None:
    verdict = Verdict(
        verdict="faster",
        reason="verified_faster",
        message="m",
        base="a" * 40,
        head="b" * 40,
        benchmarks=[BENCH],
        ratio=0.25,
        ci=(0.2, 0.3),
        confidence=0.99,
        min_effect=0.02,
        mde=0.05,
        correctness=WINNER.correctness,
        budget=BUDGET,
        run_id="r1",
        targets=["src/m.py::f"],
        candidates=[LOSER, WINNER],
    )
    text = render_report(verdict)
    assert "`f` is 4× faster" in text
    assert "interval 0.2–0.3 at 99% overall confidence" in text
    assert "| `b.py::test_f` | 4 ms | 1 ms | 0.25 | 0.2–0.3 | 10 | faster |" in text
    assert "9 passed, 0 failed" in text
    assert "A set replaces the list scan." in text
    assert "```diff\n--- a/src/m.py" in text
    assert "| 1 | rejected | – | tests_failed: `1 test(s) broke: t \\| x` |" in text
    assert "| 2 | faster ✅ published |" in text
    assert "| llm_calls | 2 | 4 |" in text


def test_the_report_renders_its_tables_and_its_chart_as_a_forge_would() -> None:
    """GFM-like markdown: the tables stay tables, the chart a fenced ``mermaid`` block whose
    lines read back as the chart of the measured benchmark (base and candidate, in ms)."""
    other = BENCH.model_copy(update={"name": "b.py::test_g", "base_median_s": 2.5e-3})
    verdict = _decided(LOSER, WINNER).model_copy(update={"benchmarks": [BENCH, other]})
    text = render_report(verdict)
    kinds = [t.type for t in tokens(text)]
    assert kinds.count("table_open") == 3  # measurements, candidates, budget
    assert kinds.count("table_close") == 3 and "th_open" in kinds and "td_open" in kinds
    (block,) = mermaid_blocks(text)
    chart = parse_xychart(block)
    assert chart.categories == [
        "test_f · base",
        "test_f · candidate",
        "test_g · base",
        "test_g · candidate",
    ]
    assert chart.axis == "ms per call (median)"
    assert chart.bars == [4.0, 1.0, 2.5, 1.0]
    assert "```mermaid" not in render_report(verdict.model_copy(update={"benchmarks": []}))


def test_a_compare_report_charts_base_against_head() -> None:
    verdict = Verdict(
        verdict="faster",
        reason="measured_faster",
        message="m",
        benchmarks=[BENCH],
        ratio=0.25,
        ci=(0.2, 0.3),
        confidence=0.99,
        measurement={"pairing": "duet", "decision_confidence": 0.99, "timer": "t"},
    )
    chart = parse_xychart(mermaid_blocks(render_compare(verdict))[0])
    assert chart.categories == ["test_f · base", "test_f · head"]


def test_a_report_without_a_winner_says_why() -> None:
    verdict = Verdict(
        verdict="rejected",
        reason="tests_failed",
        message="1 candidate(s) proposed, none passed",
        budget=BUDGET,
        targets=["src/m.py::f"],
        candidates=[LOSER],
        stopped_by="llm_calls",
    )
    text = render_report(verdict)
    assert "no faster version of `f` was verified" in text
    assert "**Verdict: rejected** (tests_failed)" in text
    assert "the `llm_calls` budget was reached" in text
    assert "```diff" not in text
    assert "Why these targets" not in text  # the request named its target


def test_discovered_targets_are_explained_in_the_report() -> None:
    hot = HotFunction(
        target="src/m.py::f", calls=7, own_s=0.3, self_s=0.1, cum_s=0.4, own_share=0.6,
        cum_share=0.8,
    )  # fmt: skip
    found = Discovery(bench=["benchmarks"], bench_s=0.5, tests=3, top=4, min_share=0.005,
                      targets=[hot.target], rows=[hot])  # fmt: skip
    verdict = Verdict(
        verdict="no_change", reason="not_faster", message="m", budget=BUDGET,
        targets=found.targets, discovery=found,
    )  # fmt: skip
    text = render_report(verdict)
    assert "### Why these targets" in text and "ran `benchmarks` once under the profiler" in text
    assert "| `src/m.py::f` | 60.0% | 80.0% | 7 |" in text
    assert "500 ms" in text  # the benchmark time the shares are of
    assert json.loads(verdict.to_json())["discovery"]["targets"] == ["src/m.py::f"]


def test_verdict_json_follows_the_contract() -> None:
    data = json.loads(
        Verdict(
            verdict="faster", reason="verified_faster", message="m", candidates=[WINNER]
        ).to_json()
    )
    assert data["schema"] == "ciopt.verdict/1"
    assert {
        "verdict",
        "reason",
        "message",
        "base",
        "head",
        "benchmarks",
        "ratio",
        "ci",
        "confidence",
        "mde",
        "correctness",
        "budget",
    } <= set(data)
    assert "diff" not in data["candidates"][0]  # the diff lives in patch.diff


def test_text_from_a_request_or_a_strangers_code_is_shown_only_as_code() -> None:
    # a fork's pull request names its tests and benchmarks; a request names the rest
    hostile = CandidateRecord(
        id=1,
        outcome="rejected",
        reason="tests_failed",
        message=f"1 test(s) broke: {PLANTED}",
        head="c" * 40,
        correctness=Correctness(
            tests=TestCounts(passed=1, failed=1, broken=[f"t.py::test[{PLANTED}]"]),
            guard=Guard(changed_files=[f"src/{PLANTED}.py"], violations=[f"{PLANTED}.py"]),
        ),
        diff=f"--- a/src/m.py\n+++ b/src/m.py\n+```\n+{PLANTED}\n",
    )
    verdict = Verdict(
        verdict="error",
        reason="bad_request",
        message=f"cannot read {PLANTED!r} in the request; write key=value words",
        head="c" * 40,
        budget=BUDGET,
        targets=["src/m.py::f"],
        candidates=[hostile],
        notes=[f"2 test(s) fail on the baseline too: tests/t.py::test[{PLANTED}]"],
        warnings=[f"bench[{PLANTED}]: times vary by 30% within a process"],
        benchmarks=[BENCH.model_copy(update={"name": f"b.py::test_f[{PLANTED}]"})],
        origin={"forge": "github", "requested_by": "alice", "url": "https://example.test/1"},
    )
    text = render_report(verdict)
    assert loose(text, tuple(m for m in MARKS if m != "</details>")) == []
    rendered = render(text)
    assert rendered.count("</details>") == 1  # ciopt's own, around the budget
    assert "<td>1</td>\n<td>rejected (held back)</td>" in rendered  # its row kept its cells
    assert ">4 ms</td>" in rendered  # and the benchmark's
    assert "Requested by @alice in https://example.test/1" in text
    shown = code_texts(text)
    assert sum("@org/team" in s for s in shown) >= 7


@pytest.mark.parametrize("template", ["refusal.md.j2", "busy.md.j2"])
def test_replies_mention_only_the_person_who_asked(template: str) -> None:
    rules = Rules(label="optimize", phrase="/optimize")
    asked = render_text(
        template, author=Person(login="mallory"), rules=rules, role="read", holder=None
    )
    assert "@mallory" in asked and loose(asked) == []
    odd = render_text(
        template, author=Person(login="org/team"), rules=rules, role="read", holder=None
    )
    assert "@org" not in odd.replace("`org/team`", "")


SLOWER = CandidateRecord(
    id=3, outcome="slower", reason="not_faster", message="ratio 1.4", head="d" * 40, ratio=1.4
)
HELD = WINNER.model_copy(
    update={"correctness": Correctness(confidence="low", low_confidence=["2 recorded calls"])}
)
STOPPED = "model call 3 (propose_optimization for candidate 3) answered 503 Service Unavailable"


def _decided(*candidates: CandidateRecord, **facts: object) -> Verdict:
    """What a run decides from these fates (``run_verdict``), with ``facts`` added."""
    verdict = run_verdict(candidates, stopped_by=None, publish_low_confidence=False)
    facts = {"targets": ["src/m.py::f"], "confidence": 0.99, "budget": BUDGET, **facts}
    return verdict.model_copy(update=facts)


def _failed(*candidates: CandidateRecord) -> Verdict:
    """An error verdict with the candidates evaluated before it (``Run.failed``)."""
    return Verdict(
        verdict="error",
        reason="publish_failed",
        message="the forge refused the push",
        targets=["src/m.py::f"],
        candidates=list(candidates),
        budget=BUDGET,
    )


@pytest.mark.parametrize(
    "verdict",
    [
        _decided(LOSER, WINNER),
        _decided(HELD),
        _decided(LOSER, WINNER, stopped_by="model_failed", stopped_message=STOPPED),
        _decided(WINNER, stopped_by="explanation_failed", stopped_message=STOPPED),
        _decided(WINNER, stopped_by="llm_calls"),
        _decided(LOSER, SLOWER),
        _decided(LOSER),
        _decided(),
        _failed(LOSER, WINNER),
        _failed(LOSER),
    ],
    ids=lambda v: f"{v.verdict}-{v.reason}-{v.stopped_by}",
)
def test_the_headline_agrees_with_the_candidates_table(verdict: Verdict) -> None:
    text = render_report(verdict)
    headline = next(line for line in text.splitlines() if line.startswith("## "))
    fates = [
        line.split(" | ")[1]
        for line in text.split("### Candidates", 1)[1].splitlines()
        if line.startswith("| ") and line[2].isdigit()
    ]
    assert len(fates) == len(verdict.candidates)
    verified = any(fate.startswith("faster") for fate in fates)
    assert verified == any(c.outcome == "faster" for c in verdict.candidates)
    if verified:
        assert "no faster version" not in headline
        assert "faster" in headline
    else:
        assert "faster" not in headline.replace("no faster version", "")
    if verdict.verdict == "faster":
        assert headline == "## ⚡ ciopt: `f` is 4× faster"
    if verdict.verdict == "error":
        assert headline.startswith("## ciopt: the run failed")


def test_a_search_stopped_by_a_failure_says_which_call_failed() -> None:
    stopped = render_report(
        _decided(LOSER, WINNER, stopped_by="model_failed", stopped_message=STOPPED)
    )
    assert (
        f"> The search stopped early because of `model_failed`: `{STOPPED}`. This is the best "
        "verified result so far." in stopped
    )
    assert "budget was reached" not in stopped
    unexplained = render_report(
        _decided(WINNER, stopped_by="explanation_failed", stopped_message=STOPPED)
    )
    assert f"explanation of the winner failed, so this report has none: `{STOPPED}`" in unexplained
    failed = render_report(_failed(LOSER, WINNER))
    assert "Candidate 2 was verified faster, but the run failed before it was published." in failed


def test_the_report_says_where_the_trace_is_sent_and_nothing_when_nowhere() -> None:
    sinks = ["https://otel.example.com/v1/traces", "s3://traces/ciopt/acme/kit/1-r1/"]
    verdict = Verdict(
        verdict="rejected", reason="tests_failed", message="m", budget=BUDGET, run_id="r1"
    )
    assert "also sent" not in render_report(verdict)
    text = render_report(verdict.model_copy(update={"trace_sinks": sinks}))
    assert text.rstrip().endswith(
        "When the command ends, the trace is also sent to "
        "`https://otel.example.com/v1/traces`, `s3://traces/ciopt/acme/kit/1-r1/`."
    )
    assert (
        json.loads(verdict.model_copy(update={"trace_sinks": sinks}).to_json())["trace_sinks"]
        == sinks
    )
