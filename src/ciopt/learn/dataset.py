"""Datasets from traces: the verified winners of recorded runs, as few-shot examples.

A run recorded with ``content_capture = "full"`` holds each prediction's inputs (its ``predict``
span) and every reply (its ``llm.call`` spans). A winner is a candidate verified faster; its
example is the inputs its proposal was asked with, the reply that decoded (and the format it is
in: SEARCH/REPLACE edits, or the whole new definition) and the measured ratio, redacted, and
named by the hash of inputs and reply (two runs of the same winner give one example).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ciopt.agent import PROPOSE, Demo, OutputFormat, canonical_json, sha256_hex
from ciopt.errors import ConfigError
from ciopt.trace import Redactor, TraceFile, read_trace

__all__ = [
    "EXAMPLE_SCHEMA",
    "Dataset",
    "Example",
    "build_dataset",
    "dataset_hash",
    "examples_in",
    "load_dataset",
    "write_dataset",
]

EXAMPLE_SCHEMA: Final = "ciopt.example/1"
SEARCH_LINE: Final = "<<<<<<< SEARCH"


class Example(BaseModel):
    """One winning prediction: the signature's inputs, the reply that decoded, its ratio."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: Literal["ciopt.example/1"] = Field(EXAMPLE_SCHEMA, alias="schema")
    id: str  # the first 12 hex digits of sha256(inputs, output)
    signature: str
    signature_schema_hash: str
    inputs: dict[str, Any]
    output: str
    output_format: OutputFormat  # what the reply gives: SEARCH/REPLACE edits or the definition
    ratio: float  # the candidate's time over the baseline's (below 1 is faster)
    run_id: str = ""
    candidate: int | None = None

    def demo(self) -> Demo:
        return Demo(id=self.id, inputs=self.inputs, output=self.output)


@dataclass
class Dataset:
    examples: list[Example] = field(default_factory=list)
    winners: int = 0  # winners found in the traces, duplicates included
    duplicates: int = 0
    without_inputs: int = 0  # winners of traces recorded before predict spans held inputs


def example_id(inputs: dict[str, Any], output: str) -> str:
    return sha256_hex({"inputs": inputs, "output": output})[:12]


def build_dataset(
    traces: Sequence[Path], *, redactor: Redactor, signature: str = PROPOSE.id
) -> Dataset:
    """The winners of ``traces`` for ``signature``, redacted, each example once."""
    found = Dataset()
    seen: set[str] = set()
    for path in traces:
        for example in examples_in(_full(read_trace(path)), signature, redactor, found):
            if example.id in seen:
                found.duplicates += 1
                continue
            seen.add(example.id)
            found.examples.append(example)
    return found


def examples_in(
    trace: TraceFile, signature: str, redactor: Redactor, counts: Dataset
) -> Iterator[Example]:
    """One example for each prediction of ``signature`` that made a candidate verified faster."""
    winners = {c.span.span_id: c for c in trace.candidates if c.outcome == "faster"}
    for predict in trace.predicts:
        if predict.span.attrs.get("signature") != signature:
            continue
        up = _ancestors(trace, predict.span.parent_id)
        candidate = next((winners[s] for s in up if s in winners), None)
        reply = next((a.response for a in predict.attempts if a.outcome == "decoded"), None)
        if candidate is None or reply is None or candidate.ratio is None:
            continue
        counts.winners += 1
        inputs = predict.span.attrs.get("inputs")
        if not isinstance(inputs, dict):
            counts.without_inputs += 1
            continue
        clean, output = redactor.value(inputs), redactor.text(reply)
        ir = predict.span.attrs.get("ir") or {}
        yield Example(
            id=example_id(clean, output),
            signature=signature,
            signature_schema_hash=str(ir.get("signature_hash") or ""),
            inputs=clean,
            output=output,
            output_format=format_of(output),
            ratio=candidate.ratio,
            run_id=str(trace.header.get("run_id") or ""),
            candidate=int(candidate.number) if isinstance(candidate.number, int) else None,
        )


def format_of(reply: str) -> OutputFormat:
    """SEARCH/REPLACE edits when a line of the reply opens one, else a whole definition."""
    opens = any(line.strip() == SEARCH_LINE for line in reply.splitlines())
    return "search_replace" if opens else "whole_definition"


def _full(trace: TraceFile) -> TraceFile:
    if trace.capture != "full":
        raise ConfigError(
            f"{trace.path} was recorded with content_capture={trace.capture}: it holds no "
            'prompts or replies to learn from; record the runs with content_capture = "full"'
        )
    return trace


def _ancestors(trace: TraceFile, parent: str | None) -> Iterator[str]:
    while parent is not None and parent in trace.span_index:
        yield parent
        parent = trace.span_index[parent].parent_id


def write_dataset(examples: Sequence[Example], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = [canonical_json(e.model_dump(mode="json", by_alias=True)) + "\n" for e in examples]
    path.write_text("".join(lines), encoding="utf-8")


def load_dataset(path: Path) -> list[Example]:
    """The examples of a ``ciopt dataset`` file; a bad line is a one-line error naming it."""
    if not path.is_file():
        raise ConfigError(f"no dataset at {path}; write one with `ciopt dataset TRACE... --out`")
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            examples.append(Example.model_validate_json(line))
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(part) for part in err["loc"]) or "line"
            raise ConfigError(
                f"{path}:{number} is not an example ({where}: {err['msg']}); "
                "write the file with `ciopt dataset`"
            ) from exc
    return examples


def dataset_hash(examples: Sequence[Example]) -> str:
    """What a set of examples is, whatever their order."""
    return sha256_hex(sorted(e.id for e in examples))
