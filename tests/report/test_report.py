from __future__ import annotations

import json

from ciopt.report import render_report
from ciopt.verdict import (
    BenchmarkVerdict,
    CandidateRecord,
    Correctness,
    Guard,
    TestCounts,
    Verdict,
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
    assert "| 1 | rejected | – | tests_failed: 1 test(s) broke: t \\| x |" in text
    assert "| 2 | faster ✅ published |" in text
    assert "| llm_calls | 2 | 4 |" in text


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
