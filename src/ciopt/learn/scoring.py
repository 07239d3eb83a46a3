"""The compile loop's scorer: a policy on some train or holdout tasks, through the eval harness.

Each policy's runs go to ``<out>/evals/<policy id>/<task>/``; a task run before with the same
policy and options comes from the eval cache, and the same tasks asked again from memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from ciopt.agent import Model, Policy, short_id
from ciopt.config import Settings
from ciopt.learn.compile import Score
from ciopt.learn.corpus import Suite, Task, files_hash
from ciopt.learn.eval import evaluate
from ciopt.learn.options import EvalOptions
from ciopt.learn.results import EvalTotals

__all__ = ["eval_score"]


def eval_score(
    suite: Suite,
    options: EvalOptions,
    *,
    out: Path,
    environ: Mapping[str, str],
    progress: Callable[[str], None],
    models: Callable[[Task], Callable[[Settings], Mapping[str, Model]]] | None = None,
) -> Score[Task]:
    """Scores policies on tasks of ``suite`` with ``evaluate``."""
    known: dict[tuple[str, tuple[str, ...]], EvalTotals] = {}

    def score(policy: Policy | None, tasks: Sequence[Task]) -> EvalTotals:
        name = short_id(policy.id) if policy else "default"
        key = (policy.id if policy else "default", tuple(sorted(t.name for t in tasks)))
        if key not in known:
            chosen = Suite(
                root=suite.root,
                tasks=list(tasks),
                hash=files_hash(suite.root, [t.root for t in tasks]),
            )
            found = evaluate(
                chosen,
                policy,
                options,
                out=out / "evals" / name,
                environ=environ,
                progress=lambda line: progress(f"  {name} {line}"),
                models=models,
            )
            known[key] = found.totals
        return known[key]

    return score
