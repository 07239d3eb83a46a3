"""What ``ciopt compile`` leaves: the policy (``<out>/<id>.json``, also in the registry, not
promoted), ``compile.json`` (every candidate scored, on how many tasks) and ``compile.md``."""

from __future__ import annotations

from pathlib import Path
from typing import Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from ciopt.agent import (
    PolicyEvaluation,
    PolicyRegistry,
    Provenance,
    canonical_json,
    short_id,
)
from ciopt.learn.compile import Compiled
from ciopt.templating import environment

__all__ = ["COMPILE_SCHEMA", "CompileRecord", "TrialRow", "record_of", "write_compiled"]

COMPILE_SCHEMA: Final = "ciopt.compile/1"


class TrialRow(BaseModel):
    stage: str  # "variants", "demo 1", ...
    candidate: str
    policy: str
    tasks: int
    score: float  # mean reward on those tasks


class CompileRecord(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_: Literal["ciopt.compile/1"] = Field(COMPILE_SCHEMA, alias="schema")
    signature: str
    policy: str  # the compiled policy's id
    chosen: str  # its instruction variant and reply format
    demos: list[str]  # the ids of the demos it shows
    pool: int  # demos a policy could show
    left_out: list[str]  # demos of the pool left out, each with why
    provenance: Provenance
    evaluation: PolicyEvaluation
    trials: list[TrialRow]


def record_of(compiled: Compiled) -> CompileRecord:
    policy = compiled.policy
    assert policy.provenance is not None and policy.evaluation is not None  # set by compile
    return CompileRecord(
        signature=policy.signature,
        policy=policy.id,
        chosen=compiled.variant,
        demos=list(policy.params.few_shot_ids),
        pool=compiled.pool,
        left_out=compiled.left_out,
        provenance=policy.provenance,
        evaluation=policy.evaluation,
        trials=[
            TrialRow(
                stage=t.stage, candidate=t.label, policy=t.policy, tasks=t.tasks, score=t.score
            )
            for t in compiled.trials
        ],
    )


def write_compiled(compiled: Compiled, out: Path, registry: PolicyRegistry) -> Path:
    """The policy, ``compile.json`` and ``compile.md`` written to ``out``, and the policy added
    to ``registry`` without promoting it; the policy's file."""
    out.mkdir(parents=True, exist_ok=True)
    policy = compiled.policy
    path = out / f"{policy.id}.json"
    path.write_text(canonical_json(policy.dump()) + "\n", encoding="utf-8")
    registry.add(policy)
    record = record_of(compiled)
    text = record.model_dump_json(by_alias=True, indent=2) + "\n"
    (out / "compile.json").write_text(text, encoding="utf-8")
    page = environment("ciopt.learn").get_template("compile.md.j2")
    (out / "compile.md").write_text(
        page.render(r=record, short=short_id(policy.id)), encoding="utf-8"
    )
    return path
