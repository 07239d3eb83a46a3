"""What an eval found: one ``TaskResult`` per task, and ``EvalSummary`` (``eval.json``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

from ciopt.learn.reward import Signals, Weights

__all__ = ["EVAL_SCHEMA", "EvalSummary", "EvalTotals", "TaskResult", "totals"]

EVAL_SCHEMA: Final = "ciopt.eval/1"


class TaskResult(BaseModel):
    """One task's run. ``replies``: the candidates proposed (each a propose or repair reply,
    after its decode repairs); ``decoded`` and ``applied``: how many of them got that far."""

    task: str
    split: str
    kind: str
    signals: Signals
    reward: float = Field(ge=0.0, le=1.0)
    verdict: str | None = None  # None: the run wrote no verdict
    reason: str | None = None
    ratio: float | None = None
    reference_ratio: float = 0.0
    replies: int = 0
    decoded: int = 0
    applied: int = 0
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    wall_s: float = 0.0
    receipts: list[dict[str, Any]] = []  # the predict receipts of the run's trace
    cached: bool = False
    error: str | None = None  # one line, when the run failed: its reward is 0

    @property
    def faster(self) -> bool:
        return self.signals.verified_faster


class EvalTotals(BaseModel):
    tasks: int = 0
    yield_count: int = 0  # tasks verified faster
    yield_share: float = 0.0
    mean_reward: float = 0.0
    replies: int = 0
    decoded_share: float = 0.0  # of the replies
    applied_share: float = 0.0  # of the replies
    llm_calls: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    wall_s: float = 0.0  # this eval's own
    run_s: float = 0.0  # the tasks' runs', summed: a cached task counts the run it recorded
    cached: int = 0  # tasks whose result came from the cache
    errors: int = 0  # tasks whose run failed


class EvalSummary(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_: Literal["ciopt.eval/1"] = Field(EVAL_SCHEMA, alias="schema")
    dataset_hash: str  # sha256 over the files of the tasks evaluated
    policy: str  # the policy's id, or "default"
    model: str
    seed: int
    metric_version: int
    weights: Weights
    tasks: list[TaskResult]
    totals: EvalTotals

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2) + "\n"


def totals(results: Sequence[TaskResult], wall_s: float) -> EvalTotals:
    """The sums and shares over ``results``; ``wall_s``: the eval's own wall time."""
    n = len(results)
    replies = sum(r.replies for r in results)
    faster = sum(r.faster for r in results)
    return EvalTotals(
        tasks=n,
        yield_count=faster,
        yield_share=round(faster / n, 6) if n else 0.0,
        mean_reward=round(sum(r.reward for r in results) / n, 6) if n else 0.0,
        replies=replies,
        decoded_share=round(sum(r.decoded for r in results) / replies, 6) if replies else 0.0,
        applied_share=round(sum(r.applied for r in results) / replies, 6) if replies else 0.0,
        llm_calls=sum(r.llm_calls for r in results),
        input_tokens=sum(r.input_tokens for r in results),
        output_tokens=sum(r.output_tokens for r in results),
        cost_usd=sum(r.cost_usd for r in results),
        wall_s=round(wall_s, 3),
        run_s=round(sum(r.wall_s for r in results), 3),
        cached=sum(r.cached for r in results),
        errors=sum(r.error is not None for r in results),
    )
