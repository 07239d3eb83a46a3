"""How an eval runs each task: the model, the interpreter, the per-task limits, the cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ciopt.errors import ConfigError
from ciopt.learn.reward import Weights

__all__ = ["EvalOptions", "eval_options"]


class EvalOptions(BaseModel):
    """``None`` leaves a setting to ciopt's defaults (and the task project's own settings)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    model: str = Field(min_length=1)  # a litellm model, scripted:FILE, reference or trap
    api_base: str | None = None
    python: str | None = None  # the interpreter the tasks' tests and benchmarks run with
    candidates: int = Field(1, ge=1)  # per task
    max_minutes: float | None = Field(None, gt=0)  # per task
    max_llm_calls: int | None = Field(None, ge=0)  # per task
    max_output_tokens: int | None = Field(None, ge=0)  # per task
    executor: str | None = None
    rounds: int | None = Field(None, ge=3)
    time_budget: float | None = Field(None, gt=0)  # seconds of measurement per comparison
    seed: int = 0
    cache_dir: Path | None = None  # default: ciopt's cache folder (``verify.default_cache_dir``)
    cache: bool = True
    weights: Weights = Weights()

    def run_key(self) -> dict[str, Any]:
        """What of these options a task's result depends on (the cache key's part)."""
        return self.model_dump(mode="json", exclude={"cache_dir", "cache", "weights"})

    def session_flags(self, out: Path) -> dict[str, Any]:
        """The settings of one task's run (``Session``'s flags), its output folder ``out``."""
        limits = {
            "candidates": self.candidates,
            "wall_seconds": None if self.max_minutes is None else self.max_minutes * 60,
            "llm_calls": self.max_llm_calls,
            "output_tokens": self.max_output_tokens,
        }
        return {
            "model": self.model,
            "api_base": self.api_base,
            "python": self.python,
            "out": out,
            "executor": self.executor,
            "forge": "local",
            "explain": False,  # the PR's words are not scored: no model call for them
            "rounds": self.rounds,
            "time_budget": self.time_budget,
            "seed": self.seed,
            "cache_dir": self.cache_dir,
            "limits": {k: v for k, v in limits.items() if v is not None},
        }


def eval_options(**values: Any) -> EvalOptions:
    """``EvalOptions`` from flags; a bad value is a one-line ``ConfigError``."""
    try:
        return EvalOptions(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(part) for part in err["loc"])
        raise ConfigError(f"eval option {where}: {err['msg']}") from exc
