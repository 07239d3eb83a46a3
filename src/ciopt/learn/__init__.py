"""Learning from runs: the task corpus, its evaluation and the reward that scores it.

corpus      tasks read from their folders, a suite's hash, a task made a repository
reward      a run's staged signals (decoded ... verified faster) and its reward in [0, 1]
reference   the reference model: each task answered with its reference.py (or trap.py)
options     how an eval runs each task: model, interpreter, per-task limits, cache
run         one task's run, as a client would make it, read back from its output folder
cache       task results kept between evals, by everything they depend on
results     TaskResult, EvalSummary (eval.json) and the totals
report      eval.md and the lines ``ciopt eval`` prints
eval        ``evaluate``: a suite run, scored and summed up (what the compile loop calls)
dataset     few-shot examples from the verified winners of recorded runs
search      successive halving, and greedy selection of demos, over a scorer
space       what compile searches: instruction variants times reply formats
compile     the compile loop: search on train, figures on holdout, the policy's provenance
scoring     the compile loop's scorer: ``evaluate`` on some of the tasks
artifact    the compiled policy's files: <id>.json, compile.json, compile.md
"""

from __future__ import annotations

from ciopt.learn.artifact import CompileRecord, write_compiled
from ciopt.learn.cache import EvalCache, cache_key
from ciopt.learn.compile import (
    Compiled,
    CompileSettings,
    Origin,
    compile_policy,
    compile_settings,
)
from ciopt.learn.corpus import Suite, Task, commit_all, load_suite, materialize
from ciopt.learn.dataset import Dataset, Example, build_dataset, load_dataset, write_dataset
from ciopt.learn.eval import default_models, evaluate, resolve_policy
from ciopt.learn.options import EvalOptions, eval_options
from ciopt.learn.reference import REFERENCE_MODELS, ModelsFor, ReferenceModel, reference_models
from ciopt.learn.report import render_markdown, render_text
from ciopt.learn.results import EVAL_SCHEMA, EvalSummary, EvalTotals, TaskResult
from ciopt.learn.reward import METRIC_VERSION, STAGES, Signals, Weights, reward, signals_of, stage
from ciopt.learn.run import pin_policy, run_task
from ciopt.learn.scoring import eval_score
from ciopt.learn.search import Trial, halve, select_demos
from ciopt.learn.space import Space, search_space

__all__ = [
    "EVAL_SCHEMA",
    "METRIC_VERSION",
    "REFERENCE_MODELS",
    "STAGES",
    "CompileRecord",
    "CompileSettings",
    "Compiled",
    "Dataset",
    "EvalCache",
    "EvalOptions",
    "EvalSummary",
    "EvalTotals",
    "Example",
    "ModelsFor",
    "Origin",
    "ReferenceModel",
    "Signals",
    "Space",
    "Suite",
    "Task",
    "TaskResult",
    "Trial",
    "Weights",
    "build_dataset",
    "cache_key",
    "commit_all",
    "compile_policy",
    "compile_settings",
    "default_models",
    "eval_options",
    "eval_score",
    "evaluate",
    "halve",
    "load_dataset",
    "load_suite",
    "materialize",
    "pin_policy",
    "reference_models",
    "render_markdown",
    "render_text",
    "resolve_policy",
    "reward",
    "run_task",
    "search_space",
    "select_demos",
    "signals_of",
    "stage",
    "write_compiled",
    "write_dataset",
]
