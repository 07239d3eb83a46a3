"""What ends a run's search early once a winner is verified, in a word and a line.

A failure after a candidate was verified (the model failing after its retries, a scripted file
running out, a bug in a later candidate, the explanation failing) loses nothing: the search ends,
the best verified candidate decides the verdict (a winner is published as usual), and the
verdict's ``stopped_by`` names the failure with a machine word (the error's reason, ``crashed``
for a bug in ciopt, or the word the caller gives) and ``stopped_message`` says it in one line.
Before any candidate was verified, the same failure fails the run.
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ciopt.errors import CioptError, ModelError
from ciopt.verdict import CandidateRecord

__all__ = ["Stop", "has_verified", "stop_for"]

BUG = "a bug in ciopt: please report it with trace.jsonl"


@dataclass(frozen=True)
class Stop:
    by: str  # model_failed, model_exhausted, replay_diverged, crashed, explanation_failed, ...
    message: str  # one line, naming the step or model call that failed
    traceback: str | None = None  # a crash's, for the trace

    def fields(self) -> dict[str, Any]:
        """The ``search.stopped`` event's attributes."""
        found = {"by": self.by, "error": self.message}
        return found | ({"traceback": self.traceback} if self.traceback else {})


VERIFIED = ("faster", "slower", "no_change", "inconclusive")  # proven correct, then measured


def has_verified(candidates: Sequence[CandidateRecord]) -> bool:
    """A candidate was verified and measured: a later failure must not lose it (a winner is
    published; any other measurement is the verdict, as when a budget ends the search)."""
    return any(c.outcome in VERIFIED for c in candidates)


def stop_for(exc: Exception, where: str, *, by: str | None = None) -> Stop:
    """The stop that ``exc``, raised in ``where`` (``candidate 3``, ``the explanation``), makes."""
    if isinstance(exc, ModelError):  # its message names the model call already
        return Stop(by or exc.reason, " ".join(str(exc).split()))
    if isinstance(exc, CioptError):
        return Stop(by or exc.reason, f"{where}: " + " ".join(str(exc).split()))
    said = " ".join(f"{type(exc).__name__}: {exc}".split())
    return Stop(
        by or "crashed",
        f"{where} crashed: {said} ({BUG})",
        traceback="".join(traceback.format_exception(exc)),
    )
