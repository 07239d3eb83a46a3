"""Examples from traces: winners only, redacted, once each; a trace without content refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciopt.agent import PROPOSE
from ciopt.errors import ConfigError
from ciopt.learn import build_dataset, load_dataset, write_dataset
from ciopt.learn.dataset import example_id
from ciopt.trace import Redactor, Tracer

SECRET = "hunter2-but-longer-7f3a9"
INPUTS = {
    "targets": [{"path": "src/m.py", "qualname": "f"}],
    "files": [{"path": "src/m.py", "text": f"def f(xs):\n    # {SECRET}\n    return sorted(xs)\n"}],
}
WIN = "A set is faster.\n\nsrc/m.py\n<<<<<<< SEARCH\n    return sorted(xs)\n=======\n..."
LOSE = "Sort less.\n\nsrc/m.py\n<<<<<<< SEARCH\n    return sorted(xs)\n=======\n..."


def write_trace(path: Path, capture: str = "full", *, inputs: bool = True) -> Path:
    """Two candidates: the first proposed after a repair and verified faster, the second slower."""
    tracer = Tracer(path, run_id="run-1", header={"content_capture": capture})
    for number, replies, outcome, ratio in (
        (1, ["no edit here", WIN], "faster", 0.25),
        (2, [LOSE], "slower", 1.2),
    ):
        with tracer.span("candidate", candidate=number) as cand:
            with (
                tracer.span("propose", candidate=number),
                tracer.span("predict", signature=PROPOSE.id) as pred,
            ):
                pred.set(ir={"signature": PROPOSE.id, "signature_hash": PROPOSE.schema_hash})
                if inputs:
                    pred.set(inputs=INPUTS)
                for n, reply in enumerate(replies, 1):
                    with tracer.span("llm.call", attempt=n) as call:
                        call.set(response=reply, decoded=reply != "no edit here")
            cand.set(outcome=outcome, reason="x", ratio=ratio)
    tracer.close()
    return path


def test_one_example_per_winner_redacted_and_deduplicated(tmp_path: Path) -> None:
    first = write_trace(tmp_path / "a.jsonl")
    again = write_trace(tmp_path / "b.jsonl")
    redactor = Redactor.from_environ({"MY_API_KEY": SECRET})

    found = build_dataset([first, again], redactor=redactor)

    assert (found.winners, found.duplicates, len(found.examples)) == (2, 1, 1)
    [example] = found.examples
    assert example.output == WIN and example.ratio == 0.25 and example.candidate == 1
    assert example.output_format == "search_replace"
    assert example.signature_schema_hash == PROPOSE.schema_hash
    text = example.inputs["files"][0]["text"]
    assert SECRET not in text and "[REDACTED:env:" in text
    assert example.id == example_id(example.inputs, example.output) and len(example.id) == 12
    PROPOSE.inputs.model_validate(example.inputs)  # the signature's inputs, as they were

    out = tmp_path / "examples.jsonl"
    write_dataset(found.examples, out)
    assert load_dataset(out) == found.examples
    assert example.demo().id == example.id


def test_a_trace_without_full_capture_is_refused_in_one_line(tmp_path: Path) -> None:
    trace = write_trace(tmp_path / "trace.jsonl", capture="hashed")
    with pytest.raises(ConfigError, match='record the runs with content_capture = "full"') as info:
        build_dataset([trace], redactor=Redactor())
    assert "\n" not in str(info.value)


def test_winners_recorded_without_inputs_are_counted_not_guessed(tmp_path: Path) -> None:
    trace = write_trace(tmp_path / "trace.jsonl", inputs=False)
    found = build_dataset([trace], redactor=Redactor())
    assert found.examples == [] and found.without_inputs == 1


def test_a_bad_dataset_line_names_its_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "examples.jsonl"
    path.write_text('{"id": "x"}\n')
    with pytest.raises(ConfigError, match=r"examples.jsonl:1 is not an example"):
        load_dataset(path)
