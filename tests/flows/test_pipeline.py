"""``pipeline.Run``: a failure after a candidate was verified faster loses nothing.

Each run finds the demo's winner first (textkit's ``dedupe``, measured briefly), then meets a
failure: the scripted file running out, a crash in the next candidate, the explanation failing
(the model answering 503 after its retries: ``tests/e2e/test_stopped.py``). The winner is
published all the same, and ``stopped_by`` and the report say what stopped the search.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ciopt.agent import MODELS, Completion, ScriptedModel
from ciopt.cli import main
from tests.helpers import BENCH, EXAMPLES, git

pytestmark = pytest.mark.e2e  # whole runs of the example, made short

DEMO = (EXAMPLES / "scripted" / "textkit-dedupe.jsonl").read_text().splitlines()
WINNER, EXPLANATION = json.loads(DEMO[3]), json.loads(DEMO[4])
EXPLANATION_TITLE = json.loads(EXPLANATION["content"])["title"]
DOWN = [{"error": 503, "retry_after": 0}] * 5  # the model's first try and its 4 retries
REQUEST = f"target=src/textkit/tokens.py::dedupe bench={BENCH} time_budget=30"


@pytest.fixture(autouse=True)
def _short(monkeypatch: pytest.MonkeyPatch) -> None:
    """A brief measurement: the winner is some 60 times faster, so the first 3 rounds decide."""
    for name, value in {"GENERATED_EXAMPLES": "0", "BENCH_MAX_TIME": "0.02"}.items():
        monkeypatch.setenv(f"CIOPT_{name}", value)


def _script(where: Path, lines: list[dict[str, Any]]) -> Path:
    path = where / "replies.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return path


def _run(repo: Path, python: str, out: Path, model: str, candidates: int) -> int:
    return main([
        "run", "--repo", str(repo), "--python", python, "--out", str(out), "--executor", "local",
        "--request", f"{REQUEST} candidates={candidates}", "--model", model,
    ])  # fmt: skip


def _published(repo: Path, out: Path, stopped_by: str) -> tuple[dict[str, Any], str]:
    """The winner was published as any winner is; the verdict and the report."""
    verdict = json.loads((out / "verdict.json").read_text())
    assert (verdict["verdict"], verdict["reason"]) == ("faster", "verified_faster")
    assert verdict["stopped_by"] == stopped_by
    assert verdict["candidates"][0]["outcome"] == "faster"
    git(repo, "apply", "--check", str(out / "patch.diff"))  # on the base commit
    assert git(repo, "rev-parse", "ciopt/tokens-dedupe") == verdict["head"]
    report = (out / "report.md").read_text()
    assert report.startswith(f"<!-- ciopt:report run={verdict['run_id']} -->\n## ⚡ ciopt:")
    assert "no faster version" not in report
    return verdict, report


STOPPED = "> The search stopped early because of `{}`: `{}"
UNEXPLAINED = "> The model's explanation of the winner failed, so this report has none: `{}"


@pytest.mark.parametrize(
    ("lines", "candidates", "stopped_by", "told", "sentence"),
    [
        (
            [WINNER],
            2,
            "model_exhausted",
            "model call 2 (propose_optimization for candidate 2): the scripted model ",
            STOPPED,
        ),
        (
            [WINNER, *DOWN],
            1,
            "explanation_failed",
            "model call 2 (explain_winner of candidate 1) answered 503 Service Unavailable "
            "after 5 attempts; 1 earlier call succeeded",
            UNEXPLAINED,
        ),
    ],
    ids=["script-runs-out", "explanation-fails"],
)
def test_a_model_failure_after_a_winner_publishes_it(
    example_repo: Path,
    client_python: str,
    tmp_path: Path,
    lines: list[dict[str, Any]],
    candidates: int,
    stopped_by: str,
    told: str,
    sentence: str,
) -> None:
    out = tmp_path / "out"
    model = f"scripted:{_script(tmp_path, lines)}"
    assert _run(example_repo, client_python, out, model, candidates) == 0
    verdict, report = _published(example_repo, out, stopped_by)
    assert verdict["stopped_message"].startswith(told)
    if stopped_by == "explanation_failed":
        assert sentence.format(told) in report
    else:
        assert sentence.format(stopped_by, told) in report
        # the explanation, asked after the search stopped, failed too: a note says so
        assert any("not explained by the model" in note for note in verdict["notes"])
    assert "check the model name" not in report


class CrashesOnce:
    """The scripted model, but its ``crash_at``-th call raises what a bug in ciopt would."""

    def __init__(self, script: Path, crash_at: int) -> None:
        self.scripted = ScriptedModel(script)
        self.name = self.scripted.name
        self.crash_at = crash_at
        self.calls = 0

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int | None = None,
        seconds_left: float | None = None,
    ) -> Completion:
        self.calls += 1
        if self.calls == self.crash_at:
            raise RuntimeError("an unexpected state")
        return self.scripted.complete(messages, max_tokens=max_tokens, seconds_left=seconds_left)


@pytest.fixture
def crashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--model crashing:FILE``: the script of FILE, crashing at the second call."""
    monkeypatch.setitem(MODELS, "crashing", lambda spec, _opts: CrashesOnce(Path(spec), 2))


@pytest.mark.usefixtures("crashing")
def test_a_crash_in_a_later_candidate_publishes_the_winner(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    model = f"crashing:{_script(tmp_path, [WINNER, EXPLANATION])}"
    assert _run(example_repo, client_python, out, model, 3) == 0
    verdict, report = _published(example_repo, out, "crashed")
    assert [c["id"] for c in verdict["candidates"]] == [1]  # the search ended at candidate 2
    assert verdict["title"] == EXPLANATION_TITLE  # the explanation came after the crash
    said = (
        "candidate 2 crashed: RuntimeError: an unexpected state (a bug in ciopt: please report "
        "it with trace.jsonl)"
    )
    assert verdict["stopped_message"] == said
    assert f"> The search stopped early because of `crashed`: `{said}`." in report
    records = [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
    (stop,) = [r["attrs"] for r in records if r.get("name") == "search.stopped"]
    assert stop["by"] == "crashed" and "RuntimeError: an unexpected state" in stop["traceback"]


def test_a_failure_after_a_verified_slower_candidate_keeps_its_measurement(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    slower = json.loads(DEMO[2])  # correct, and slower than the baseline
    model = f"scripted:{_script(tmp_path, [slower, *DOWN])}"
    assert _run(example_repo, client_python, out, model, 2) == 0
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["verdict"] != "error"  # the measurement decides, not the failure
    assert [c["outcome"] for c in verdict["candidates"]] == ["slower"]
    assert verdict["stopped_by"] == "model_failed"
    assert verdict["stopped_message"].startswith("model call 2 (propose_optimization for candida")
    assert not (out / "patch.diff").exists()
    report = (out / "report.md").read_text()
    assert "no faster version of `dedupe` was verified" in report
    assert "> The search stopped early because of `model_failed`" in report
