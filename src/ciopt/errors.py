"""The errors a user can cause, and the one exception type that carries them.

    CioptError                 anything a user can fix; the CLI prints ``error: <message>``, exit 1
    ├── ConfigError            settings or flags that do not make sense
    ├── RequestError           the request text: unknown keys, bad values, missing targets
    ├── RepoError              the repository: not git, dirty, a ref that does not exist
    ├── EnvironmentProblem     the client's interpreter: missing pytest, shadowing installs
    ├── BaselineError          the baseline does not pass its tests or selects no benchmark
    ├── ModelError             the model: unreachable, out of scripted responses
    └── BudgetExhausted        a limit was reached (the pipeline turns it into a clean stop)

Every error has a ``reason``: the short machine word written to ``verdict.json``.
Anything else that escapes is a bug in ciopt (exit 3).
"""

from __future__ import annotations

__all__ = [
    "BaselineError",
    "BudgetExhausted",
    "CioptError",
    "ConfigError",
    "EnvironmentProblem",
    "ModelError",
    "RepoError",
    "RequestError",
]


class CioptError(Exception):
    """An error the user can act on; ``str(err)`` is one line that says what to do."""

    reason = "error"

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        if reason is not None:
            self.reason = reason


class ConfigError(CioptError):
    reason = "bad_config"


class RequestError(CioptError):
    reason = "bad_request"


class RepoError(CioptError):
    reason = "bad_repo"


class EnvironmentProblem(CioptError):
    reason = "bad_environment"


class BaselineError(CioptError):
    reason = "baseline_failed"


class ModelError(CioptError):
    reason = "model_failed"


class BudgetExhausted(CioptError):
    """A limit was reached; ``limit`` names it (``llm_calls``, ``cost_usd``, ...)."""

    reason = "budget_exhausted"

    def __init__(self, limit: str, spent: float, allowed: float) -> None:
        super().__init__(f"budget limit {limit} reached ({spent:g} of {allowed:g})")
        self.limit = limit
        self.spent = spent
        self.allowed = allowed
