"""Task results kept between evals: a task run again with the same everything is not run again.

The key is sha256 over everything a task's result depends on: the signatures (ids and schema
hashes) and the prompt templates, the policy (what shapes its prompts: a compiled policy shares
the runs of the search point it was measured as), the task's project and request,
``METRIC_VERSION``, the task's name, the model and its endpoint, and the run's options
(candidates, limits, interpreter, executor, measurement, seed). Entries are
``<cache dir>/eval/<key>.json``, readable by ciopt's user alone. A run that failed is not kept:
its failure may be passing (an endpoint down).
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pydantic import ValidationError

from ciopt.agent import Policy, prompts_hash, schema_hashes
from ciopt.learn.corpus import Task
from ciopt.learn.options import EvalOptions
from ciopt.learn.results import TaskResult
from ciopt.learn.reward import METRIC_VERSION

__all__ = ["EvalCache", "cache_key"]


def cache_key(task: Task, policy: Policy | None, options: EvalOptions) -> str:
    parts = {
        "signatures": schema_hashes(),
        "prompts": prompts_hash(),
        "policy": policy.prompting_id if policy else "default",
        "task_files": task.run_digest(),
        "metric_version": METRIC_VERSION,
        "task": task.name,
        "options": options.run_key(),
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class EvalCache:
    """The entries under ``root`` (``<cache dir>/eval``); ``None``: no cache."""

    def __init__(self, root: Path | None) -> None:
        self.root = root

    def get(self, key: str) -> TaskResult | None:
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        try:
            return TaskResult.model_validate_json(path.read_bytes())
        except (OSError, ValidationError):  # unreadable or from another version: run again
            return None

    def put(self, key: str, result: TaskResult) -> None:
        path = self._path(key)
        if path is None or result.error is not None:
            return
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            file.write(result.model_copy(update={"cached": False}).model_dump_json())
        tmp.replace(path)

    def _path(self, key: str) -> Path | None:
        return None if self.root is None else self.root / f"{key}.json"
