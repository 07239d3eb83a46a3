from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from ciopt.trace.redact import Redactor
from ciopt.trace.tracer import Tracer


def read(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def trace_path(tmp_path: Path) -> Path:
    return tmp_path / "out" / "trace.jsonl"  # the directory does not exist yet


def test_header_first(trace_path: Path) -> None:
    tracer = Tracer(trace_path, run_id="run-1", header={"command": "run"})
    tracer.close()
    (header,) = read(trace_path)
    assert header["type"] == "header"
    assert header["schema"] == "ciopt.trace/1"
    assert header["command"] == "run"
    assert header["run_id"] == "run-1"
    assert header["seq"] == 1


def test_every_line_has_run_id_and_increasing_seq(trace_path: Path) -> None:
    tracer = Tracer(trace_path)
    with tracer.span("outer"):
        tracer.event("tick", n=1)
        with tracer.span("inner"):
            tracer.event("tick", n=2)
    tracer.event("done")
    tracer.close()
    records = read(trace_path)
    assert len(records) == 8
    run_ids = {r["run_id"] for r in records}
    assert run_ids == {tracer.run_id}
    assert len(tracer.run_id) >= 16
    assert [r["seq"] for r in records] == list(range(1, 9))
    assert all("ts" in r for r in records)


def test_run_ids_differ_between_tracers(tmp_path: Path) -> None:
    a, b = Tracer(tmp_path / "a.jsonl"), Tracer(tmp_path / "b.jsonl")
    a.close()
    b.close()
    assert a.run_id != b.run_id


def test_spans_pair_and_nest(trace_path: Path) -> None:
    tracer = Tracer(trace_path)
    with tracer.span("outer", step=1) as outer:
        with tracer.span("inner") as inner:
            tracer.event("inside")
        tracer.event("between")
    tracer.close()
    records = read(trace_path)[1:]
    kinds = [(r["type"], r["name"]) for r in records]
    assert kinds == [
        ("span_start", "outer"),
        ("span_start", "inner"),
        ("event", "inside"),
        ("span_end", "inner"),
        ("event", "between"),
        ("span_end", "outer"),
    ]
    outer_start, inner_start, inside, inner_end, between, outer_end = records
    assert outer_start["span_id"] == outer_end["span_id"] == outer.span_id
    assert inner_start["span_id"] == inner_end["span_id"] == inner.span_id
    assert outer.span_id != inner.span_id
    assert outer_start["parent_id"] is None
    assert outer_end["parent_id"] is None
    assert inner_start["parent_id"] == inner_end["parent_id"] == outer.span_id
    assert inside["parent_id"] == inner.span_id
    assert between["parent_id"] == outer.span_id
    assert outer_start["attrs"] == {"step": 1}
    assert outer_end["status"] == "ok"
    assert "error" not in outer_end
    assert outer_end["duration_s"] >= 0


def test_sibling_spans_share_parent(trace_path: Path) -> None:
    tracer = Tracer(trace_path)
    with tracer.span("outer") as outer:
        with tracer.span("a"):
            pass
        with tracer.span("b"):
            pass
    tracer.close()
    ends = {r["name"]: r for r in read(trace_path) if r["type"] == "span_end"}
    assert ends["a"]["parent_id"] == ends["b"]["parent_id"] == outer.span_id
    assert ends["a"]["span_id"] != ends["b"]["span_id"]


def test_set_attributes_appear_in_span_end(trace_path: Path) -> None:
    tracer = Tracer(trace_path)
    with tracer.span("work", given=1) as span:
        span.set(ratio=0.8, files=["a.py"])
        span.set(outcome="faster")
    tracer.close()
    start, end = read(trace_path)[1:]
    assert start["attrs"] == {"given": 1}
    assert end["attrs"] == {"ratio": 0.8, "files": ["a.py"], "outcome": "faster"}


def test_exception_marks_span_error_and_is_reraised(trace_path: Path) -> None:
    tracer = Tracer(trace_path)
    with (
        pytest.raises(ValueError, match="boom"),
        tracer.span("outer"),
        tracer.span("inner") as span,
    ):
        span.set(partial=True)
        raise ValueError("boom")
    tracer.close()
    ends = [r for r in read(trace_path) if r["type"] == "span_end"]
    assert [e["name"] for e in ends] == ["inner", "outer"]
    for end in ends:
        assert end["status"] == "error"
        assert end["error"] == "ValueError: boom"
    assert ends[0]["attrs"] == {"partial": True}


def test_stack_recovers_after_exception(trace_path: Path) -> None:
    tracer = Tracer(trace_path)
    with pytest.raises(RuntimeError), tracer.span("failing"):
        raise RuntimeError("x")
    with tracer.span("next"):
        pass
    tracer.event("after")
    tracer.close()
    records = read(trace_path)
    nxt = next(r for r in records if r.get("name") == "next" and r["type"] == "span_start")
    after = next(r for r in records if r.get("name") == "after")
    assert nxt["parent_id"] is None
    assert after["parent_id"] is None


def test_readable_before_close(trace_path: Path) -> None:
    tracer = Tracer(trace_path)
    assert [r["type"] for r in read(trace_path)] == ["header"]
    with tracer.span("live"):
        assert [r["type"] for r in read(trace_path)] == ["header", "span_start"]
        tracer.event("ping")
        assert read(trace_path)[-1]["name"] == "ping"
    assert read(trace_path)[-1]["type"] == "span_end"
    tracer.close()


def test_writes_after_close_are_dropped(trace_path: Path) -> None:
    tracer = Tracer(trace_path)
    tracer.close()
    tracer.event("late")
    tracer.close()  # idempotent
    assert len(read(trace_path)) == 1


def test_budget_recorded_on_span_end(trace_path: Path) -> None:
    spent = {"llm_calls": 0}

    def budget() -> dict[str, Any]:
        return {"spent": dict(spent)}

    tracer = Tracer(trace_path, budget=budget)
    with tracer.span("call"):
        spent["llm_calls"] = 1
    with tracer.span("call"):
        spent["llm_calls"] = 2
    tracer.close()
    records = read(trace_path)
    ends = [r for r in records if r["type"] == "span_end"]
    assert [e["budget"] for e in ends] == [{"spent": {"llm_calls": 1}}, {"spent": {"llm_calls": 2}}]
    assert all("budget" not in r for r in records if r["type"] != "span_end")


def test_no_budget_key_without_budget(trace_path: Path) -> None:
    tracer = Tracer(trace_path)
    with tracer.span("x"):
        pass
    tracer.close()
    assert "budget" not in read(trace_path)[-1]


def test_exception_event(trace_path: Path) -> None:
    tracer = Tracer(trace_path)
    try:
        raise KeyError("k")
    except KeyError as exc:
        tracer.exception(exc)
    tracer.close()
    event = read(trace_path)[-1]
    assert event["name"] == "run.error"
    assert event["attrs"]["error"] == "KeyError: 'k'"
    assert "Traceback" in event["attrs"]["traceback"]


SECRET = "supersecretvalue"


def test_secrets_are_redacted_before_writing(trace_path: Path) -> None:
    tracer = Tracer(trace_path, redactor=Redactor([SECRET]), header={"argv": ["--key", SECRET]})
    with pytest.raises(RuntimeError), tracer.span("s", cmd=f"run {SECRET}") as span:
        span.set(**{f"k_{SECRET}": [SECRET, {"deep": SECRET}]})
        tracer.event("e", note=f"x{SECRET}y")
        raise RuntimeError(f"failed with {SECRET}")
    tracer.close()
    raw = trace_path.read_text()
    assert SECRET not in raw
    tags = re.findall(r"\[REDACTED:env:[0-9a-f]{12}\]", raw)
    assert len(tags) >= 6 and len(set(tags)) == 1  # one secret, one tag
    end = read(trace_path)[-1]
    assert re.fullmatch(r"RuntimeError: failed with \[REDACTED:env:[0-9a-f]{12}\]", end["error"])


def test_token_patterns_are_redacted(trace_path: Path) -> None:
    token = "ghp_" + "a" * 36
    tracer = Tracer(trace_path)
    tracer.event("e", header=f"Authorization: token {token}")
    tracer.close()
    assert token not in trace_path.read_text()


def test_non_json_values_are_redacted(trace_path: Path) -> None:
    tracer = Tracer(trace_path, redactor=Redactor([SECRET]))
    tracer.event("e", path=Path("/work") / SECRET, names={SECRET})
    tracer.close()
    assert SECRET not in trace_path.read_text()


def test_listeners_given_at_the_start_see_every_record_from_the_header_on(
    trace_path: Path,
) -> None:
    seen: list[dict[str, Any]] = []
    tracer = Tracer(trace_path, header={"command": "run"}, listeners=[seen.append])
    with tracer.span("request"):
        tracer.event("note", token="ghp_" + "a" * 36)
    tracer.close()
    assert seen == read(trace_path)  # as written: redacted
    assert [r["type"] for r in seen] == ["header", "span_start", "event", "span_end"]
