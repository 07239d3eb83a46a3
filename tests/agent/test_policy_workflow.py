"""A policy's whole life with the real signatures: written, edited, promoted, used, rolled back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciopt.agent import EXPLAIN, Predictor, open_model, schema_hashes
from ciopt.agent.policy import PolicyRegistry
from ciopt.agent.signatures.explain import ExplainInput
from ciopt.agent.signatures.propose import TargetRef
from ciopt.budget import Ledger
from ciopt.cli import main
from ciopt.config import Limits
from ciopt.trace import Tracer

TOLD = json.dumps({"title": "Use a set", "summary": "Membership is a hash lookup now."})


def _explain(repo: Path, tmp_path: Path) -> str:
    """The instruction the explain signature is prompted with in ``repo``."""
    script = tmp_path / "s.jsonl"
    script.write_text(json.dumps({"content": TOLD}) + "\n")
    trace = tmp_path / "t.jsonl"
    trace.unlink(missing_ok=True)
    tracer = Tracer(trace)
    predict = Predictor(
        {"default": open_model(f"scripted:{script}")},
        tracer=tracer,
        ledger=Ledger(Limits()),
        policies=PolicyRegistry(repo / ".ciopt" / "policies", schema_hashes()),
    )
    inputs = ExplainInput(
        targets=[TargetRef(path="m.py", qualname="f")], diff="-a\n+b\n", measurement="2x",
        correctness="equal",
    )  # fmt: skip
    try:
        assert predict(EXPLAIN, inputs).output.title == "Use a set"
    finally:
        tracer.close()
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    (span,) = [r for r in records if r["type"] == "span_end" and r["name"] == "predict"]
    (instruction,) = [
        b["text"] for b in span["attrs"]["ir"]["blocks"] if b["kind"] == "instruction"
    ]
    return str(instruction)


def test_new_edit_promote_use_rollback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    built_in = EXPLAIN.instruction
    assert _explain(repo, tmp_path) == built_in

    assert main(["policy", "new", "explain_winner", "--repo", str(repo)]) == 0
    starter = json.loads(capsys.readouterr().out)
    assert starter["signature_schema_hash"] == schema_hashes()["explain_winner"]
    assert starter["instructions"]["custom"] == built_in and "litellm" in starter["versions"]
    starter["instructions"]["custom"] = "Explain it to a new team member in plain words."
    edited = tmp_path / "explain.json"
    edited.write_text(json.dumps(starter))

    assert main(["policy", "promote", str(edited), "--repo", str(repo)]) == 0
    assert "explain_winner now uses policy" in capsys.readouterr().out
    assert _explain(repo, tmp_path) == "Explain it to a new team member in plain words."

    assert main(["policy", "rollback", "explain_winner", "--repo", str(repo)]) == 0
    assert "built-in defaults" in capsys.readouterr().out
    assert _explain(repo, tmp_path) == built_in


def test_new_refuses_an_unknown_signature(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "new", "summarize"]) == 1
    assert "unknown signature 'summarize'" in capsys.readouterr().err
