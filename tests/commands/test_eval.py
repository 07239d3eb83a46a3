"""``ciopt eval``: a task run end to end with the reference model (verified faster, reward near
1) and with a wrong scripted reply (reward low); its flags' errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciopt.cli import main
from tests.helpers.display import PROGRESS
from tests.learn.tasks import write_corpus

WRONG = """Count the shared items with a set intersection.

src/tinyc/core.py
<<<<<<< SEARCH
    return sum(1 for x in a if x in b)
=======
    return len(set(a) & set(b))
>>>>>>> REPLACE
"""


def _eval(corpus: Path, out: Path, python: str, *flags: str) -> int:
    return main([
        "eval", "--tasks", str(corpus), "--python", python, "--executor", "local",
        "--out", str(out), "--cache-dir", str(out.parent / "cache"), *flags,
    ])  # fmt: skip


@pytest.mark.e2e
def test_the_reference_model_is_verified_faster(
    tmp_path: Path, client_python: str, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    corpus = write_corpus(tmp_path / "corpus")
    flags = ("--model", "reference", "--task", "dedupe")
    assert _eval(corpus, out, client_python, *flags) == 0
    summary = json.loads((out / "eval.json").read_text())
    assert (summary["schema"], summary["model"], summary["policy"]) == (
        "ciopt.eval/1",
        "reference",
        "default",
    )
    [row] = summary["tasks"]
    assert (row["task"], row["split"], row["kind"]) == ("dedupe", "train", "algorithm")
    assert (row["verdict"], row["reason"]) == ("faster", "verified_faster"), row
    assert row["signals"]["verified_faster"] and row["error"] is None and not row["cached"]
    assert row["ratio"] < 0.2 and row["reference_ratio"] == 0.05
    assert row["reward"] >= 0.9  # near the reference's ratio, or beyond it
    assert (row["replies"], row["decoded"], row["applied"]) == (1, 1, 1)
    # the proposal only: the PR's words are not scored, so no model call asks for them
    signatures = [r["signature"] for r in row["receipts"]]
    assert signatures == ["propose_optimization"]
    totals = summary["totals"]
    assert (totals["tasks"], totals["yield_count"], totals["llm_calls"]) == (1, 1, 1)
    assert (totals["decoded_share"], totals["applied_share"]) == (1.0, 1.0)
    assert (out / "dedupe" / "verdict.json").is_file() and (
        out / "dedupe" / "trace.jsonl"
    ).is_file()
    report = (out / "eval.md").read_text()
    assert "**1 of 1 tasks verified faster (100%), mean reward" in report
    assert "| `dedupe` | train | `algorithm` | `faster (verified_faster)` |" in report
    captured = capsys.readouterr()
    printed = captured.out.splitlines()
    assert printed[0].startswith("ciopt eval: 1/1 tasks verified faster (100%), mean reward ")
    assert printed[1] == "  replies: 1, decoded 100%, applied 100%"
    assert printed[-1] == f"  results: {out / 'eval.json'}, {out / 'eval.md'}"
    # the eval's own lines among the progress on stderr, each after its time (HH:MM:SS)
    told = [line[9:] for line in captured.err.splitlines() if PROGRESS.match(line)]
    progress = [line for line in told if line.startswith("task ")]
    assert progress[0] == "task 1/1 dedupe: started"
    assert progress[1].startswith("task 1/1 dedupe: faster (verified_faster) ratio ")
    assert len(progress) == 2


@pytest.mark.e2e
def test_a_wrong_reply_scores_low(tmp_path: Path, client_python: str) -> None:
    script = tmp_path / "wrong.jsonl"
    script.write_text(json.dumps({"content": WRONG}) + "\n")
    out = tmp_path / "out"
    corpus = write_corpus(tmp_path / "corpus", "common")
    assert _eval(corpus, out, client_python, "--model", f"scripted:{script}", "--no-cache") == 0
    [row] = json.loads((out / "eval.json").read_text())["tasks"]
    assert (row["verdict"], row["reason"], row["reward"]) == ("rejected", "tests_failed", 0.2)
    assert not row["signals"]["tests_passed"] and not row["signals"]["trap_caught"]
    assert not (tmp_path / "cache" / "eval").exists()  # the eval kept nothing


def test_flags_that_make_no_sense_are_one_line_errors(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    corpus = write_corpus(tmp_path / "corpus", "dedupe")
    args = ["eval", "--tasks", str(corpus), "--model", "reference", "--out", str(tmp_path / "o")]
    assert main([*args, "--task", "nope"]) == 1
    assert capsys.readouterr().err == f"error: no task nope in {corpus} (tasks: dedupe)\n"
    assert main([*args, "--candidates", "0"]) == 1
    assert capsys.readouterr().err.startswith("error: eval option candidates: ")
    assert main([*args, "--policy", "feedfacefeedface"]) == 1
    assert "no policy feedfacefeedface in .ciopt/policies" in capsys.readouterr().err
