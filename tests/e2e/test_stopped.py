"""A model that fails after a winner was verified: the winner is published, the failure named.

As seen on a real project (issue 18): a wrong edit, a genuine one that is verified faster, then
the model answering 503 to every retry.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciopt.cli import main
from tests.helpers import BENCH, EXAMPLES, git

pytestmark = pytest.mark.e2e

FAILED = (
    "model call 3 (propose_optimization for candidate 3) answered 503 Service Unavailable after "
    "5 attempts; 2 earlier calls succeeded, so the model name and key are fine; try again later "
    "or raise llm_retries"
)


def test_a_model_down_after_a_verified_winner_publishes_it(
    example_repo: Path,
    client_python: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("CIOPT_GENERATED_EXAMPLES", "0")  # the recorded calls suffice here
    demo = (EXAMPLES / "scripted" / "textkit-dedupe.jsonl").read_text().splitlines()
    down = json.dumps({"error": 503, "retry_after": 0})
    # a wrong edit; the genuine one (as its repair); 503 to the next proposal and its 4
    # retries; the explanation, once the model is back
    replies = tmp_path / "replies.jsonl"
    replies.write_text("\n".join([demo[0], demo[3], *[down] * 5, demo[4]]) + "\n")
    out = tmp_path / "out"
    code = main([
        "run", "--repo", str(example_repo), "--python", client_python, "--out", str(out),
        "--request", f"target=src/textkit/tokens.py::dedupe bench={BENCH} time_budget=30",
        "--model", f"scripted:{replies}",
    ])  # fmt: skip
    assert code == 0
    printed = capsys.readouterr().out
    assert f"stopped early (model_failed): {FAILED}\n" in printed

    verdict = json.loads((out / "verdict.json").read_text())
    assert (verdict["verdict"], verdict["reason"]) == ("faster", "verified_faster")
    assert (verdict["stopped_by"], verdict["stopped_message"]) == ("model_failed", FAILED)
    fates = [(c["id"], c["outcome"], c["reason"], c["parent"]) for c in verdict["candidates"]]
    assert fates == [(1, "rejected", "not_applied", None), (2, "faster", "verified_faster", 1)]
    assert verdict["budget"]["spent"]["candidates"] == 3  # the repair counted, and the third
    assert verdict["title"] == json.loads(json.loads(demo[4])["content"])["title"]

    git(example_repo, "apply", "--check", str(out / "patch.diff"))
    assert git(example_repo, "rev-parse", "ciopt/tokens-dedupe") == verdict["head"]
    report = (out / "report.md").read_text()
    assert "## ⚡ ciopt: `dedupe` is " in report and "no faster version" not in report
    assert (
        f"> The search stopped early because of `model_failed`: `{FAILED}`. This is the best "
        "verified result so far." in report
    )
    assert "| 2 (repairs 1) | faster ✅ published |" in report
    records = [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
    (stop,) = [r["attrs"] for r in records if r.get("name") == "search.stopped"]
    assert stop == {"by": "model_failed", "error": FAILED}
