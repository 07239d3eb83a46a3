"""``ciopt eval``'s flow: every task of a suite run (or read from the cache), scored, summed up.

``evaluate`` is also what the compile loop calls, with candidate policies and a models factory.
It writes ``<out>/eval.json`` (``EvalSummary``), ``<out>/eval.md``, and each task's run into
``<out>/<task>/`` (verdict.json, trace.jsonl, ...).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from pydantic import ValidationError

from ciopt.agent import Model, Policy, PolicyRegistry, open_models, schema_hashes, short_id
from ciopt.config import Settings
from ciopt.errors import ConfigError
from ciopt.learn.cache import EvalCache, cache_key
from ciopt.learn.corpus import Suite, Task
from ciopt.learn.options import EvalOptions
from ciopt.learn.reference import REFERENCE_MODELS, ModelsFor, reference_models
from ciopt.learn.report import render_markdown
from ciopt.learn.results import EvalSummary, TaskResult, totals
from ciopt.learn.reward import METRIC_VERSION, with_reference
from ciopt.learn.run import run_task, scored
from ciopt.trace import Listener
from ciopt.verify import default_cache_dir

__all__ = ["default_models", "evaluate", "resolve_policy"]


def evaluate(
    suite: Suite,
    policy: Policy | None,
    options: EvalOptions,
    *,
    out: Path,
    environ: Mapping[str, str],
    progress: Callable[[str], None],
    models: Callable[[Task], Callable[[Settings], Mapping[str, Model]]] | None = None,
    listeners: Sequence[Listener] = (),
) -> EvalSummary:
    """Each task of ``suite`` run with ``policy`` (None: the built-in prompts) promoted in its
    repository, or its result read from the cache; the summary, also written to ``out``.

    ``models`` gives a task's models factory (``optimize_request``'s ``models``); by default
    ``options.model`` opens them (``reference`` and ``trap``: the task's own replies). A task
    whose run fails is a result with reward 0 and its error line; the eval goes on.
    ``listeners`` follow each task's run (its session's trace).
    """
    _check(policy)
    factory = models or default_models(options.model)
    cache = EvalCache(_cache_root(options, environ))
    start = time.monotonic()
    results: list[TaskResult] = []
    for n, task in enumerate(suite.tasks, 1):
        where = f"task {n}/{len(suite.tasks)} {task.name}"
        progress(f"{where}: started")
        key = cache_key(task, policy, options)
        result = cache.get(key)
        if result is not None:
            ok = result.error is None and result.verdict != "error"
            # today's reference figure and weights
            signals = with_reference(result.signals, result.ratio, task.reference_ratio)
            update = {
                "cached": True,
                "signals": signals,
                "reference_ratio": task.reference_ratio,
                "reward": scored(signals, ok, options),
            }
            result = result.model_copy(update=update)
        else:
            result = run_task(
                task,
                policy,
                options,
                out=out / task.name,
                environ=environ,
                models=factory,
                listeners=listeners,
            )
            cache.put(key, result)
        progress(f"{where}: {_ended(result)}")
        results.append(result)
    summary = EvalSummary(
        dataset_hash=suite.hash,
        policy=policy.id if policy else "default",
        model=options.model,
        seed=options.seed,
        metric_version=METRIC_VERSION,
        weights=options.weights,
        tasks=results,
        totals=totals(results, time.monotonic() - start),
    )
    out.mkdir(parents=True, exist_ok=True)
    (out / "eval.json").write_text(summary.to_json(), encoding="utf-8")
    (out / "eval.md").write_text(render_markdown(summary), encoding="utf-8")
    return summary


def default_models(spec: str) -> ModelsFor:
    """The models factory ``spec`` names: ``reference``/``trap``, or any model ``open_models``
    opens from the run's settings (a litellm model string, ``scripted:FILE``)."""
    for which in REFERENCE_MODELS:
        if spec == which:
            return reference_models(which)
    return lambda _task: open_models


def resolve_policy(ref: str, registry: Path) -> Policy:
    """The policy in file ``ref``, else the one stored in ``registry`` under id ``ref``."""
    path = Path(ref)
    if not path.is_file():
        return PolicyRegistry(registry, schema_hashes()).get(ref)
    try:
        return Policy.model_validate_json(path.read_bytes())
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"])
        raise ConfigError(f"{path} is not a valid policy: {where}: {err['msg']}") from exc


def _check(policy: Policy | None) -> None:
    if policy is None:
        return
    known = schema_hashes()
    if known.get(policy.signature) != policy.signature_schema_hash:
        raise ConfigError(
            f"policy {short_id(policy.id)} was compiled for another version of the "
            f"{policy.signature} signature (or an unknown one); recompile it"
        )


def _cache_root(options: EvalOptions, environ: Mapping[str, str]) -> Path | None:
    if not options.cache:
        return None
    return (options.cache_dir or default_cache_dir(environ)) / "eval"


def _ended(result: TaskResult) -> str:
    how = "cached" if result.cached else f"{result.wall_s:.1f} s"
    if result.error is not None:
        return f"error, reward 0 ({how}): {result.error}"
    ratio = f" ratio {result.ratio:.3g}" if result.ratio is not None else ""
    return f"{result.verdict} ({result.reason}){ratio}, reward {result.reward:.3f} ({how})"
