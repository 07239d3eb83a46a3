"""The compile loop: the best policy for a signature and a model, chosen on train, told on holdout.

1. every instruction variant in every reply format (``space``), by successive halving on the
   train tasks (``search.halve``);
2. demos from the pool added greedily to the best of them while they raise its train score
   (``search.select_demos``);
3. the chosen policy scored on all of train and on holdout, and the starting policy (the active
   one, or the built-in prompting) on holdout beside it.

The result is an immutable policy that carries its figures and where it came from; promoting it
stays a person's decision (``ciopt policy promote``).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Final, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ciopt.agent import (
    Demo,
    EvalFigures,
    Policy,
    PolicyEvaluation,
    PolicyParams,
    Provenance,
)
from ciopt.errors import ConfigError
from ciopt.learn.dataset import Example, dataset_hash
from ciopt.learn.results import EvalTotals
from ciopt.learn.reward import METRIC_VERSION
from ciopt.learn.search import Progress, Trial, halve, select_demos, with_demo
from ciopt.learn.space import Space

__all__ = [
    "OPTIMIZER",
    "CompileSettings",
    "Compiled",
    "Origin",
    "compile_policy",
    "compile_settings",
    "figures",
]

T = TypeVar("T")
OPTIMIZER: Final = "grid-halving+greedy-demos/1"
# a policy (None: the built-in prompting) scored on some tasks: the eval harness, or a fake
Score = Callable[[Policy | None, Sequence[T]], EvalTotals]


class CompileSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max_demos: int = Field(2, ge=0)  # most demos the policy may show
    first_tasks: int = Field(2, ge=1)  # train tasks of successive halving's first round
    seed: int = 0  # the order of the train tasks
    train_tasks: int | None = Field(None, ge=1)  # the first N train tasks of that order; None: all


def compile_settings(**values: int | None) -> CompileSettings:
    """``CompileSettings`` from flags (None: the default); a bad value is a one-line error."""
    try:
        return CompileSettings(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"])
        raise ConfigError(f"compile setting {where}: {err['msg']}") from exc


@dataclass(frozen=True)
class Origin:
    """What the compiled policy records of where it comes from, besides the search's own."""

    dataset_hash: str  # the task corpus
    model: str  # by name: never its endpoint
    ciopt: str  # version, with the git commit when run from a checkout
    versions: Mapping[str, str]  # the packages a policy pins
    eval_settings: Mapping[str, int | float | str]  # how each task was run: candidates, ...


@dataclass(frozen=True)
class Compiled:
    policy: Policy  # with ``provenance`` and ``evaluation``
    variant: str  # the grid point chosen: "concise, whole_definition"
    trials: list[Trial]
    pool: int  # demos in the pool that a policy may show
    left_out: list[str]  # demos left out of the pool, each with why


def compile_policy(
    space: Space,
    score: Score[T],
    *,
    train: Sequence[T],
    holdout: Sequence[T],
    start: Policy | None,
    pool: Sequence[Example],
    settings: CompileSettings,
    origin: Origin,
    progress: Progress,
) -> Compiled:
    if not train or not holdout:
        raise ConfigError("compile needs train and holdout tasks; the corpus has none of one")
    order = list(train)
    random.Random(settings.seed).shuffle(order)  # noqa: S311 - an order, not a secret
    order = order[: settings.train_tasks]
    params = start.params if start else PolicyParams()  # decoding and model role stay as they are
    grid = space.grid(params, origin.versions)
    best = halve(
        grid, order, score, stage="variants", first=settings.first_tasks, progress=progress
    )
    demos, left_out = usable(pool, best.best.policy)
    for why in left_out:
        progress(f"demo pool: {why}")
    chosen, picked = select_demos(
        best.best.policy,
        demos,
        order,
        score,
        max_demos=settings.max_demos,
        first=settings.first_tasks,
        progress=progress,
    )
    progress(f"chosen: {best.best.label} with {len(chosen.demos)} demo(s); scoring it")
    evaluation = PolicyEvaluation(
        metric_version=METRIC_VERSION,
        train=figures(score(chosen, order)),  # as the search saw them: asked once
        holdout=figures(score(chosen, holdout)),
        baseline=start.id if start else "default",
        baseline_holdout=figures(score(start, holdout)),
    )
    provenance = Provenance(
        optimizer=OPTIMIZER,
        settings={**settings.model_dump(exclude_none=True), **origin.eval_settings},
        search_space_hash=space.hash,
        dataset_hash=origin.dataset_hash,
        demo_pool_hash=dataset_hash(pool),
        model=origin.model,
        ciopt=origin.ciopt,
    )
    notes = (
        f"compiled for {origin.model}: {best.best.label}, {len(chosen.demos)} demo(s), "
        f"{len(order)} train and {len(holdout)} holdout tasks"
    )
    policy = Policy.model_validate(
        {
            **chosen.dump(),
            "notes": notes,
            "provenance": provenance.model_dump(),
            "evaluation": evaluation.model_dump(),
        }
    )
    return Compiled(policy, best.best.label, [*best.trials, *picked], len(demos), left_out)


def usable(pool: Sequence[Example], base: Policy) -> tuple[list[Demo], list[str]]:
    """The examples ``base`` can show (its signature, in its reply format), fastest first; the
    others, each with why."""
    demos, left_out = [], []
    for example in sorted(pool, key=lambda e: (e.ratio, e.id)):
        same = (example.signature, example.signature_schema_hash)
        if same != (base.signature, base.signature_schema_hash):
            left_out.append(f"{example.id} is for another signature or version of it; left out")
            continue
        if example.output_format != base.params.output_format:
            left_out.append(f"{example.id} is a {example.output_format} reply; left out")
            continue
        try:
            with_demo(base, example.demo())
        except ValidationError as exc:
            msg = str(exc.errors()[0]["msg"]).removeprefix("Value error, ")
            left_out.append(f"{example.id} cannot be shown by a policy ({msg}); left out")
            continue
        demos.append(example.demo())
    return demos, left_out


def figures(totals: EvalTotals) -> EvalFigures:
    return EvalFigures(
        tasks=totals.tasks,
        mean_reward=totals.mean_reward,
        yield_count=totals.yield_count,
        decoded_share=totals.decoded_share,
        applied_share=totals.applied_share,
        llm_calls=totals.llm_calls,
        tokens=totals.input_tokens + totals.output_tokens,
        wall_s=round(totals.run_s, 3),  # what the runs took, cached or not
    )
