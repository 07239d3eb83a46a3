from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from ciopt.agent import (
    EXPLAIN,
    PROPOSE,
    DecodeFailed,
    Predictor,
    ScriptedModel,
    apply_edits,
    open_model,
    schema_hashes,
)
from ciopt.agent.hashing import sha256_hex
from ciopt.agent.policy import DecodePolicy, Demo, Policy, PolicyParams, PolicyRegistry
from ciopt.agent.signatures.explain import ExplainInput
from ciopt.agent.signatures.propose import ProposeInput, SourceFile, TargetRef
from ciopt.agent.signatures.signature import OutputFormat
from ciopt.budget import Ledger
from ciopt.config import Limits
from ciopt.errors import BudgetExhausted, ConfigError, ModelError
from ciopt.trace import Tracer

GOOD = (
    "The loop rescans the list.\n\nsrc/m.py\n<<<<<<< SEARCH\n    return sorted(xs)\n"
    "=======\n    return xs\n>>>>>>> REPLACE\n"
)
BAD = "I would return xs directly, it is faster."
TOLD = json.dumps({"title": "Return the list as is", "summary": "Sorting was not needed at all."})
INPUT = ProposeInput(
    targets=[TargetRef(path="src/m.py", qualname="f")],
    files=[SourceFile(path="src/m.py", text="def f(xs):\n    return sorted(xs)\n")],
)
EXPLAINED = ExplainInput(
    targets=INPUT.targets, diff="-x\n+y\n", measurement="2x faster", correctness="all equal"
)


def _records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def _ends(path: Path, name: str) -> list[dict[str, Any]]:
    """The spans called ``name`` as they ended, with the attributes they started with."""
    records = _records(path)
    starts = {r["span_id"]: r["attrs"] for r in records if r["type"] == "span_start"}
    return [
        {**r, "attrs": {**starts[r["span_id"]], **r["attrs"]}}
        for r in records
        if r["type"] == "span_end" and r["name"] == name
    ]


@pytest.fixture
def predictor(
    tmp_path: Path, script: Callable[[list[str]], Path]
) -> Iterator[Callable[..., tuple[Predictor, Path]]]:
    """A predictor on scripted replies, and the trace it writes (closed when the test ends)."""
    tracers: list[Tracer] = []

    def make(
        replies: list[str], *, limits: Limits | None = None, capture: str = "full", **kw: Any
    ) -> tuple[Predictor, Path]:
        trace = tmp_path / "trace.jsonl"
        tracer = Tracer(trace)
        tracers.append(tracer)
        ledger = Ledger(limits or Limits())
        tracer.budget = ledger.snapshot
        models = {"default": open_model(f"scripted:{script(replies)}"), **kw.pop("models", {})}
        return Predictor(models, tracer=tracer, ledger=ledger, capture=capture, **kw), trace  # type: ignore[arg-type]

    yield make
    for tracer in tracers:
        tracer.close()


def test_a_malformed_reply_is_repaired_and_both_attempts_are_in_the_receipt(
    predictor: Callable[..., tuple[Predictor, Path]],
) -> None:
    predict, trace = predictor([BAD, GOOD])
    got = predict(PROPOSE, INPUT)
    assert got.output.edits[0].replace == "    return xs\n"
    receipt = got.receipt
    assert receipt.outcome == "ok" and receipt.policy == "default"
    assert [(a.n, a.outcome) for a in receipt.attempts] == [(1, "invalid"), (2, "decoded")]
    assert "the reply has no edit" in (receipt.attempts[0].error or "")
    assert receipt.attempts[0].response_sha256 == sha256_hex(BAD)
    assert receipt.attempts[1].rendered_prompt_hash != receipt.attempts[0].rendered_prompt_hash
    assert receipt.input_tokens == sum(a.input_tokens for a in receipt.attempts) > 0
    assert predict.ledger.spent["llm_calls"] == 2

    # the trace: one predict span carrying the receipt, one llm.call span per attempt
    (span,) = _ends(trace, "predict")
    assert span["attrs"]["receipt"] == receipt.model_dump(mode="json")
    calls = _ends(trace, "llm.call")
    assert [c["attrs"]["attempt"] for c in calls] == [1, 2]
    assert all(c["parent_id"] == span["span_id"] for c in calls)
    assert calls[0]["attrs"]["response"] == BAD and calls[0]["attrs"]["decoded"] is False
    assert "could not be read: the reply has no edit" in calls[1]["attrs"]["repair_prompt"]
    # the prompt is in the trace once: the IR with its blobs
    blobs = {r["sha256"]: r["text"] for r in _records(trace) if r["type"] == "blob"}
    assert span["attrs"]["ir"]["signature"] == "propose_optimization"
    assert all(b.get("blob") in blobs for b in span["attrs"]["ir"]["blocks"] if b.get("blob"))


def test_repairs_are_bounded(predictor: Callable[..., tuple[Predictor, Path]]) -> None:
    predict, trace = predictor([BAD, BAD, GOOD])
    with pytest.raises(DecodeFailed, match="after 2 attempt") as info:
        predict(PROPOSE, INPUT)
    assert info.value.reason == "malformed_response"
    assert [a.outcome for a in info.value.receipt.attempts] == ["invalid", "invalid"]
    (span,) = _ends(trace, "predict")
    assert span["status"] == "error" and span["attrs"]["receipt"]["outcome"] == "invalid"


def test_the_llm_call_limit_holds_inside_a_repair(
    predictor: Callable[..., tuple[Predictor, Path]],
) -> None:
    predict, trace = predictor([BAD, GOOD], limits=Limits(llm_calls=1))
    with pytest.raises(BudgetExhausted) as info:
        predict(PROPOSE, INPUT)
    assert info.value.limit == "llm_calls" and predict.ledger.spent["llm_calls"] == 1
    outcomes = [a.outcome for a in predict.receipts[0].attempts]
    assert outcomes == ["invalid", "budget_exhausted"]
    assert len(_ends(trace, "llm.call")) == 2  # the refused attempt is recorded, not made


def test_a_failed_call_is_charged_and_recorded(
    predictor: Callable[..., tuple[Predictor, Path]], tmp_path: Path
) -> None:
    predict, _ = predictor([])
    with pytest.raises(ModelError, match="no response left"):
        predict(PROPOSE, INPUT)
    assert predict.receipts[0].outcome == "error" and predict.ledger.spent["llm_calls"] == 1


@pytest.mark.parametrize("capture", ["hashed", "none"])
def test_without_full_capture_no_content_is_written(
    predictor: Callable[..., tuple[Predictor, Path]], capture: str
) -> None:
    predict, trace = predictor([BAD, GOOD], capture=capture)
    predict(PROPOSE, INPUT)
    raw = trace.read_text()
    for content in ("sorted(xs)", "rescans", "directly", "could not be read"):
        assert content not in raw
    assert '"rendered_prompt_hash"' in raw and '"receipt"' in raw  # receipts always
    assert ('"response_chars"' in raw) == (capture == "hashed")


def _policy(**params: Any) -> Policy:
    return Policy(
        signature="explain_winner",
        signature_schema_hash=schema_hashes()["explain_winner"],
        instructions={"terse": "Explain in one sentence."},
        demos=[Demo(id="d1", inputs=EXPLAINED.model_dump(), output=TOLD)],
        params=PolicyParams(**params),
        versions={"ciopt": "test"},
    )


def test_the_active_policy_pins_instruction_demos_decoding_and_model_role(
    predictor: Callable[..., tuple[Predictor, Path]],
    tmp_path: Path,
    script: Callable[[list[str]], Path],
) -> None:
    registry = PolicyRegistry(tmp_path / "policies", schema_hashes())
    policy = _policy(
        instruction_variant="terse",
        few_shot_ids=["d1"],
        decode=DecodePolicy(mode="strict_json", max_repairs=0),
        model_role="cheap",
    )
    registry.add(policy)
    registry.promote(policy.id)
    cheap = tmp_path / "cheap.jsonl"
    cheap.write_text(json.dumps({"content": TOLD}) + "\n")
    predict, trace = predictor(
        [], policies=registry, models={"cheap": open_model(f"scripted:{cheap}")}
    )
    got = predict(EXPLAIN, EXPLAINED)
    assert got.output.title == "Return the list as is"
    assert got.receipt.policy == policy.id and got.receipt.decode_mode == "strict_json"
    assert got.receipt.model.endswith("cheap.jsonl")
    ir = _ends(trace, "predict")[0]["attrs"]["ir"]
    texts = [b["text"] for b in ir["blocks"] if b["kind"] == "instruction"]
    assert texts == ["Explain in one sentence."]
    assert [b["name"] for b in ir["blocks"] if b["kind"] == "demo"] == ["demo:d1"]


def test_a_policy_naming_an_unconfigured_role_is_refused(
    predictor: Callable[..., tuple[Predictor, Path]], tmp_path: Path
) -> None:
    registry = PolicyRegistry(tmp_path / "policies", schema_hashes())
    registry.promote(registry.get(registry.add(_policy(model_role="huge"))).id)
    predict, _ = predictor([TOLD], policies=registry)
    with pytest.raises(ConfigError, match="model role 'huge'"):
        predict(EXPLAIN, EXPLAINED)


def _scripted(tmp_path: Path, *lines: dict[str, Any]) -> ScriptedModel:
    path = tmp_path / "lines.jsonl"
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return ScriptedModel(path, sleep=lambda _s: None)


def test_a_failed_call_names_itself_and_clears_the_set_up_when_calls_worked(
    predictor: Callable[..., tuple[Predictor, Path]], tmp_path: Path
) -> None:
    model = _scripted(tmp_path, {"content": TOLD}, *[{"error": 503}] * 5)
    predict, _ = predictor([], models={"default": model})
    predict(EXPLAIN, EXPLAINED)
    with pytest.raises(ModelError) as info:
        predict(PROPOSE, INPUT, purpose="for candidate 2")
    assert str(info.value) == (
        "model call 2 (propose_optimization for candidate 2) answered 503 Service Unavailable "
        "after 5 attempts; 1 earlier call succeeded, so the model name and key are fine; "
        "try again later or raise llm_retries"
    )
    assert (info.value.reason, info.value.attempts) == ("model_failed", 5)
    assert predict.receipts[-1].attempts[0].error == str(info.value)


def test_a_first_call_that_fails_points_at_the_set_up(
    predictor: Callable[..., tuple[Predictor, Path]], tmp_path: Path
) -> None:
    predict, _ = predictor([], models={"default": _scripted(tmp_path, {"error": 401})})
    with pytest.raises(ModelError) as info:
        predict(PROPOSE, INPUT)
    assert str(info.value) == (
        "model call 1 (propose_optimization) answered 401 Unauthorized (litellm."
        "AuthenticationError: AuthenticationError: OpenAIException - scripted failure 401) "
        "after 1 attempt; no call has succeeded yet: check the model name, its API key "
        "variable and --api-base"
    )


def test_a_script_that_runs_out_names_the_call_it_could_not_answer(
    predictor: Callable[..., tuple[Predictor, Path]],
) -> None:
    predict, _ = predictor([GOOD])
    predict(PROPOSE, INPUT, purpose="for candidate 1")
    with pytest.raises(ModelError) as info:
        predict(EXPLAIN, EXPLAINED, purpose="of candidate 1")
    assert info.value.reason == "model_exhausted"
    assert str(info.value).startswith(
        "model call 2 (explain_winner of candidate 1): the scripted model "
    )
    assert str(info.value).endswith(
        "has no response left after 1 replies; add lines to it or lower candidates="
    )


@pytest.mark.parametrize(
    ("output_format", "shown"), [("whole_definition", "```python"), ("search_replace", "=======")]
)
def test_the_policy_s_output_format_shapes_the_prompt_and_any_format_decodes(
    predictor: Callable[..., tuple[Predictor, Path]],
    tmp_path: Path,
    output_format: OutputFormat,
    shown: str,
) -> None:
    registry = PolicyRegistry(tmp_path / "policies", schema_hashes())
    policy = Policy(
        signature="propose_optimization",
        signature_schema_hash=schema_hashes()["propose_optimization"],
        instructions={},
        params=PolicyParams(output_format=output_format),
        versions={"ciopt": "test"},
    )
    registry.promote(registry.get(registry.add(policy)).id)
    whole = "Return it as is.\n\n```python\ndef f(xs):\n    return xs\n```\n"
    predict, trace = predictor([whole, GOOD], policies=registry)
    for _ in range(2):  # a whole definition, then SEARCH/REPLACE: both read, whatever was asked
        got = predict(PROPOSE, INPUT)
        applied = apply_edits({"src/m.py": INPUT.files[0].text}, got.output.edits)
        assert applied == {"src/m.py": "def f(xs):\n    return xs\n"}
    ir = _ends(trace, "predict")[0]["attrs"]["ir"]
    (block,) = [b for b in ir["blocks"] if b["kind"] == "output_format"]
    assert shown in block["text"] and "def f(xs):" in block["text"]
