"""Runs that end without a winner: budgets, forbidden paths, replies without edits."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciopt.cli import main
from tests.helpers import EXAMPLES

pytestmark = pytest.mark.e2e


def test_llm_call_limit_stops_after_exactly_that_many_calls(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    code = main([
        "run", "--repo", str(example_repo), "--python", client_python, "--out", str(out),
        "--request", "target=src/textkit/tokens.py::dedupe bench=benchmarks/test_bench_tokens.py",
        "--model", f"scripted:{EXAMPLES / 'scripted' / 'textkit-dedupe.jsonl'}",
        "--max-llm-calls", "2",
    ])  # fmt: skip
    assert code == 0
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["budget"]["spent"]["llm_calls"] == 2
    assert [c["reason"] for c in verdict["candidates"]] == ["not_applied", "tests_failed"]
    assert (verdict["verdict"], verdict["reason"]) == ("rejected", "budget_exhausted")
    assert verdict["stopped_by"] == "llm_calls"
    assert not (out / "patch.diff").exists()
    assert "the `llm_calls` budget was reached" in (out / "report.md").read_text()
    events = [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
    assert [e["attrs"]["limit"] for e in events if e.get("name") == "budget.exhausted"] == [
        "llm_calls"
    ]


TOUCH_TESTS = """Make the test faster instead.

tests/test_tokens.py
<<<<<<< SEARCH
from __future__ import annotations
=======
from __future__ import annotations  # faster
>>>>>>> REPLACE
"""


def test_forbidden_paths_and_replies_without_edits_are_rejected(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    replies = tmp_path / "replies.jsonl"
    replies.write_text(
        "".join(
            json.dumps({"content": r}) + "\n"
            for r in (TOUCH_TESTS, "Use a set. No edit.", "Still no edit.")
        )
    )
    code = main([
        "run", "--repo", str(example_repo), "--python", client_python, "--out", str(out),
        "--request", "target=src/textkit/tokens.py::dedupe bench=benchmarks/test_bench_tokens.py",
        "--model", f"scripted:{replies}", "--candidates", "2",
    ])  # fmt: skip
    assert code == 0
    verdict = json.loads((out / "verdict.json").read_text())
    first, second = verdict["candidates"]
    assert first["reason"] == "forbidden_path"
    assert first["correctness"]["guard"]["violations"] == ["tests/test_tokens.py"]
    # the second candidate repairs the first; both of its replies fail to decode
    assert (second["reason"], second["parent"]) == ("malformed_response", 1)
    assert "after 2 attempt(s): the reply has no edit" in second["message"]
    assert verdict["budget"]["spent"]["llm_calls"] == 3
    assert (verdict["verdict"], verdict["reason"]) == ("rejected", "no_valid_candidate")


def test_a_malformed_reply_is_repaired_within_the_run(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    demo = (EXAMPLES / "scripted" / "textkit-dedupe.jsonl").read_text().splitlines()
    winner, explanation = demo[3], demo[4]
    replies = tmp_path / "replies.jsonl"
    malformed = json.dumps({"content": "A set would make the membership test O(1)."})
    replies.write_text("\n".join([malformed, winner, explanation]) + "\n")
    out = tmp_path / "out"
    code = main([
        "run", "--repo", str(example_repo), "--python", client_python, "--out", str(out),
        "--request", "target=src/textkit/tokens.py::dedupe bench=benchmarks/test_bench_tokens.py",
        "--model", f"scripted:{replies}", "--candidates", "1", "--max-llm-calls", "3",
    ])  # fmt: skip
    assert code == 0
    verdict = json.loads((out / "verdict.json").read_text())
    assert (verdict["verdict"], verdict["reason"]) == ("faster", "verified_faster")
    assert verdict["budget"]["spent"]["llm_calls"] == 3
    records = [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
    receipts = [
        r["attrs"]["receipt"] for r in records if r["type"] == "span_end" and r["name"] == "predict"
    ]
    assert [r["signature"] for r in receipts] == ["propose_optimization", "explain_winner"]
    attempts = receipts[0]["attempts"]
    assert [a["outcome"] for a in attempts] == ["invalid", "decoded"]
    assert "the reply has no edit" in attempts[0]["error"]
    assert attempts[0]["rendered_prompt_hash"] != attempts[1]["rendered_prompt_hash"]
