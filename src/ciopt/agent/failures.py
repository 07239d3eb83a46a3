"""A failed model call told as one line: which call it was, what the endpoint did, and what that
says about the set-up (a key or model name is only suspect when no call has worked yet)."""

from __future__ import annotations

from ciopt.errors import ModelError

__all__ = ["call_failed"]

SETUP_HINT = "check the model name, its API key variable and --api-base"


def call_failed(exc: ModelError, *, call: int, what: str, succeeded: int) -> ModelError:
    """``exc`` as the ``call``-th model call of the run (``what``: its signature and purpose),
    after ``succeeded`` calls that returned a reply; its reason and details are kept."""
    if exc.happened is None:  # not reached at all: the exception says why (a script ran out)
        message = f"model call {call} ({what}): {exc}"
    else:
        tries = f"{exc.attempts} attempt" + ("s" if exc.attempts != 1 else "")
        message = f"model call {call} ({what}) {exc.happened} after {tries}; "
        if succeeded:
            earlier = f"{succeeded} earlier call" + ("s" if succeeded != 1 else "")
            message += f"{earlier} succeeded, so the model name and key are fine"
            if exc.transient:
                message += "; try again later or raise llm_retries"
        else:
            message += f"no call has succeeded yet: {SETUP_HINT}"
    return ModelError(
        message,
        reason=exc.reason,
        happened=exc.happened,
        attempts=exc.attempts,
        transient=exc.transient,
    )
