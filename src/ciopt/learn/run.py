"""One task's run, as a client would make it: its project a repository (the policy promoted and
committed in it), ``ciopt run``'s flow on the task's request, and the result read back from the
output folder's ``verdict.json`` and ``trace.jsonl``.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from ciopt.agent import Model, Policy, PolicyRegistry, schema_hashes, short_id
from ciopt.config import Settings
from ciopt.errors import CioptError
from ciopt.flows import Session, optimize_request
from ciopt.learn.corpus import Task, commit_all, materialize
from ciopt.learn.options import EvalOptions
from ciopt.learn.results import TaskResult
from ciopt.learn.reward import Signals, reward, signals_of, stage
from ciopt.trace import Listener, Redactor, read_trace
from ciopt.verdict import Verdict

__all__ = ["pin_policy", "run_task", "scored"]


def run_task(
    task: Task,
    policy: Policy | None,
    options: EvalOptions,
    *,
    out: Path,
    environ: Mapping[str, str],
    models: Callable[[Task], Callable[[Settings], Mapping[str, Model]]],
    listeners: Sequence[Listener] = (),
) -> TaskResult:
    """``task`` run once into ``out``; a run that fails is a result with its ``error`` line.
    ``listeners`` follow the run's trace."""
    start = time.monotonic()
    failed: str | None = None
    for stale in ("verdict.json", "trace.jsonl"):  # an earlier eval's, never read as this one's
        (out / stale).unlink(missing_ok=True)
    try:
        opened = models(task)
        with tempfile.TemporaryDirectory(prefix=f"ciopt-eval-{task.name}-") as tmp:
            repo = materialize(task, Path(tmp) / task.name)
            if policy is not None:
                pin_policy(repo, policy)
            flags = options.session_flags(out)
            with Session("run", repo, environ, listeners=listeners, **flags) as session:
                optimize_request(
                    session, lambda: task.request(options.candidates), repo, models=opened
                )
    except CioptError as exc:
        failed = str(exc)
    except Exception as exc:  # a bug of ciopt's is this task's failure, not the eval's
        failed = f"{type(exc).__name__}: {exc}"
    result = _read(task, out, time.monotonic() - start, options)
    if failed is None and result.verdict == "error":
        failed = f"the run ended in an error ({result.reason})"
    failed = failed or result.error
    if failed is None:
        return result
    line = Redactor.from_environ(environ).text(" ".join(failed.split()))
    return result.model_copy(update={"error": line[:500] or "the run failed", "reward": 0.0})


def pin_policy(repo: Path, policy: Policy) -> None:
    """``policy`` added to the repository's registry, promoted, and committed."""
    registry = PolicyRegistry(repo / ".ciopt" / "policies", schema_hashes())
    registry.promote(registry.add(policy))
    commit_all(repo, f"ciopt: promote policy {short_id(policy.id)}")


def _read(task: Task, out: Path, wall: float, options: EvalOptions) -> TaskResult:
    verdict = _verdict(out / "verdict.json")
    receipts = _receipts(out / "trace.jsonl")
    attempts = [a for r in receipts for a in r.get("attempts", []) if isinstance(a, dict)]
    candidates = verdict.candidates if verdict else []
    cost = sum(float(a.get("cost_usd") or 0.0) for a in attempts)
    found = signals_of(
        candidates, trap=task.trap is not None, reference_ratio=task.reference_ratio, cost_usd=cost
    )
    stages = [stage(c, trap=task.trap is not None) for c in candidates]
    return TaskResult(
        task=task.name,
        split=task.split,
        kind=task.kind,
        signals=found,
        reward=scored(found, verdict is not None and verdict.verdict != "error", options),
        verdict=verdict.verdict if verdict else None,
        reason=verdict.reason if verdict else None,
        ratio=verdict.ratio if verdict else None,
        reference_ratio=task.reference_ratio,
        replies=len(candidates),
        decoded=sum(s >= 1 for s in stages),
        applied=sum(s >= 2 for s in stages),
        llm_calls=sum(a.get("outcome") != "budget_exhausted" for a in attempts),
        input_tokens=sum(int(a.get("input_tokens") or 0) for a in attempts),
        output_tokens=sum(int(a.get("output_tokens") or 0) for a in attempts),
        cost_usd=cost,
        wall_s=round(wall, 3),
        receipts=receipts,
        error=None if verdict else "the run wrote no verdict.json",
    )


def scored(signals: Signals, ok: bool, options: EvalOptions) -> float:
    """The reward of a run that ended (``ok``); 0 for one that failed."""
    return reward(signals, options.weights) if ok else 0.0


def _verdict(path: Path) -> Verdict | None:
    try:
        return Verdict.model_validate_json(path.read_text(encoding="utf-8"))
    except (OSError, ValidationError):
        return None


def _receipts(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [p.receipt for p in read_trace(path).predicts if p.receipt]
