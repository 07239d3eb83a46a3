"""Reading ``trace.jsonl`` back (the traces: ``written``)."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from ciopt.errors import ConfigError, ModelError
from ciopt.trace import Tracer
from ciopt.trace.read import read_trace
from tests.trace.written import (
    BAD,
    CODE,
    CODE_SHA,
    REPAIR,
    RESPONSE,
    RESPONSE_SHA,
    SYSTEM,
    header,
    write_crashed_trace,
    write_measured_trace,
    write_run_trace,
)


def test_spans_are_joined_and_nested(tmp_path: Path) -> None:
    trace = read_trace(write_run_trace(tmp_path / "trace.jsonl"))
    assert trace.header["run_id"] == "run-abc123"
    assert trace.skipped == 0
    assert [s.label for s in trace.roots] == ["request", "baseline.tests", "candidate 1", "publish"]
    assert all(s.ended for s in trace.spans)
    predict = next(s for s in trace.spans if s.name == "predict")
    assert [c.name for c in predict.children] == ["llm.call", "llm.call"]
    assert predict.depth == 2
    assert predict.attrs["signature"] == "propose"  # from the start
    assert "receipt" in predict.attrs  # from the end
    guard = next(s for s in trace.spans if s.name == "verify.guard")
    assert guard.status == "error"
    assert guard.error == "RuntimeError: the guard crashed"
    assert [s.name for s in trace.tree()][:5] == [
        "request",
        "baseline.tests",
        "candidate",
        "propose",
        "predict",
    ]


def test_budget_candidates_stop_and_verdict(tmp_path: Path) -> None:
    trace = read_trace(write_run_trace(tmp_path / "trace.jsonl"))
    budget = {row.counter: row for row in trace.budget}
    assert budget["llm_calls"].spent == 2 and budget["llm_calls"].limit == 2
    assert budget["llm_calls"].fraction == 1.0
    assert budget["cost_usd"].spent == pytest.approx(0.004)
    (cand,) = trace.candidates
    assert (cand.number, cand.outcome, cand.reason, cand.ratio) == (
        1,
        "rejected",
        "tests_failed",
        None,
    )
    assert trace.stop == {"limit": "llm_calls", "spent": 2, "allowed": 2}
    assert trace.verdict == ("no_change", "budget_exhausted")
    assert trace.errors == []


def test_predict_joins_receipt_attempts_and_blobs(tmp_path: Path) -> None:
    trace = read_trace(write_run_trace(tmp_path / "trace.jsonl"))
    assert trace.blobs == {CODE_SHA: CODE}
    (predict,) = trace.predicts
    assert predict.get("model") == "scripted"
    assert predict.total("input_tokens") == 2000
    assert predict.outcome == "ok"
    first, second = predict.attempts
    assert (first.n, first.outcome, first.response, first.repair_prompt) == (
        1,
        "invalid",
        BAD,
        None,
    )
    assert (second.outcome, second.response, second.repair_prompt) == ("decoded", RESPONSE, REPAIR)
    assert second.facts["response_sha256"] == RESPONSE_SHA
    kinds = [(b.kind, b.text) for b in predict.blocks]
    assert kinds[0] == ("system", SYSTEM)
    assert kinds[2] == ("context", CODE)  # resolved from its blob
    assert predict.blocks[1].answer == "min(x)"


def test_hashed_capture_has_no_content(tmp_path: Path) -> None:
    trace = read_trace(write_run_trace(tmp_path / "trace.jsonl", capture="hashed"))
    assert not trace.content_captured
    assert trace.blobs == {}
    (predict,) = trace.predicts
    assert predict.blocks == []
    assert all(a.response is None for a in predict.attempts)
    assert predict.attempts[1].facts["response_chars"] == len(RESPONSE)


def test_crashed_trace(tmp_path: Path) -> None:
    trace = read_trace(write_crashed_trace(tmp_path / "trace.jsonl"))
    assert trace.skipped == 1
    assert [s.label for s in trace.unfinished] == ["candidate 1", "verify.tests"]
    assert all(s.status == "unfinished" and s.duration_s is None for s in trace.unfinished)
    (cand,) = trace.candidates
    assert cand.outcome == "unfinished"
    assert trace.verdict is None
    assert trace.budget == []


def test_run_error_is_the_verdict_without_publish(tmp_path: Path) -> None:
    tracer = Tracer(tmp_path / "trace.jsonl", header=header("full"))
    with contextlib.suppress(ModelError), tracer.span("request"):
        raise ModelError("the model is unreachable; check --api-base")
    tracer.exception(ModelError("the model is unreachable; check --api-base"))
    tracer.close()
    trace = read_trace(tmp_path / "trace.jsonl")
    assert trace.verdict == ("error", "ModelError: the model is unreachable; check --api-base")
    assert trace.roots[0].status == "error"


def test_older_llm_call_without_predict(tmp_path: Path) -> None:
    tracer = Tracer(tmp_path / "trace.jsonl", header={"command": "run"})
    with tracer.span("llm.call", signature="propose", model="m") as sp:
        sp.set(messages=[{"role": "user", "content": "speed it up"}], response="ok", cost_usd=0.5)
    tracer.close()
    trace = read_trace(tmp_path / "trace.jsonl")
    assert trace.capture == "unknown" and trace.content_captured
    (predict,) = trace.predicts
    assert [(b.kind, b.text) for b in predict.blocks] == [("user", "speed it up")]
    assert predict.total("cost_usd") == 0.5
    (attempt,) = predict.attempts
    assert attempt.response == "ok"


def test_missing_or_headerless_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no trace at"):
        read_trace(tmp_path / "nope.jsonl")
    empty = tmp_path / "empty.jsonl"
    empty.write_text('{"type": "event", "name": "x"}\n{"type"')
    with pytest.raises(ConfigError, match="not a ciopt trace"):
        read_trace(empty)


def test_measurements_are_read_with_their_rounds_and_looks(tmp_path: Path) -> None:
    trace = read_trace(write_measured_trace(tmp_path / "trace.jsonl"))
    first, second = trace.measures
    assert (first.label, first.verdict, first.min_effect) == ("candidate 1", "faster", 0.02)
    assert first.rounds == [0.52, 0.48, 0.5, 0.51, 0.49]
    assert [(k.rounds, k.verdict, k.ratio, k.ci) for k in first.looks] == [
        (3, "inconclusive", 0.5, (1e-7, 1500.0)),
        (5, "faster", 0.5, (0.45, 0.56)),
    ]
    assert second.rounds == [1.01, 0.99, 1.0] and len(second.looks) == 1
    assert read_trace(write_run_trace(tmp_path / "run.jsonl")).measures == []
    tracer = Tracer(tmp_path / "compare.jsonl", header={"command": "calibrate"})
    with tracer.span("measure", measure="walltime"), tracer.span("measure", calibration=True):
        pass
    tracer.close()
    labels = [m.label for m in read_trace(tmp_path / "compare.jsonl").measures]
    assert labels == ["head", "the baseline against itself"]  # a compare's, a calibration's


def test_a_measurement_cut_short_keeps_its_rounds_and_looks_so_far(tmp_path: Path) -> None:
    tracer = Tracer(tmp_path / "trace.jsonl", header={"command": "compare"})
    held = tracer.span("measure", measure="walltime")
    held.__enter__()  # a crash: the span never ends
    for i, ratio in enumerate([0.9, 0.8, 0.85]):
        tracer.event("measure.round", round=i, medians={}, ratio=ratio)
    tracer.event(
        "measure.look", rounds=3, alpha=1e-4, verdict="inconclusive", ratio=0.85, ci=[0.5, 1.4]
    )
    tracer.close()
    (cut,) = read_trace(tmp_path / "trace.jsonl").measures
    assert cut.rounds == [0.9, 0.8, 0.85] and cut.verdict == "unfinished"
    assert [(k.rounds, k.ci) for k in cut.looks] == [(3, (0.5, 1.4))]
