"""The errors a user can cause, and the one exception type that carries them.

    CioptError                 anything a user can fix; the CLI prints ``error: <message>``, exit 1
    ├── ConfigError            settings or flags that do not make sense
    ├── RequestError           the request text: unknown keys, bad values, missing targets
    ├── RepoError              the repository: not git, dirty, a ref that does not exist
    ├── EnvironmentProblem     the client's interpreter: missing pytest, shadowing installs
    ├── BaselineError          the baseline does not pass its tests or selects no benchmark
    ├── ModelError             the model: unreachable, out of scripted responses
    ├── SinkError              a trace sink (OTLP, S3) did not take the trace: said, never fatal
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
    "SinkError",
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


class SinkError(CioptError):
    """A trace sink could not take the trace, or ``ciopt trace prune`` could not read or delete
    in its store. When a command ends this is one line on stderr, never a failed command."""

    reason = "sink_failed"


class ModelError(CioptError):
    """``happened``: what the endpoint did, as words that follow "model call N": ``answered 503
    Service Unavailable``, ``timed out`` (None: it was not reached, e.g. a script ran out);
    ``attempts``: how often the call was tried; ``transient``: a retry later may succeed."""

    reason = "model_failed"

    def __init__(
        self,
        message: str,
        *,
        reason: str | None = None,
        happened: str | None = None,
        attempts: int = 1,
        transient: bool = False,
    ) -> None:
        super().__init__(message, reason=reason)
        self.happened = happened
        self.attempts = attempts
        self.transient = transient


class BudgetExhausted(CioptError):
    """A limit was reached; ``limit`` names it (``llm_calls``, ``cost_usd``, ...)."""

    reason = "budget_exhausted"

    def __init__(self, limit: str, spent: float, allowed: float) -> None:
        super().__init__(f"budget limit {limit} reached ({spent:g} of {allowed:g})")
        self.limit = limit
        self.spent = spent
        self.allowed = allowed
