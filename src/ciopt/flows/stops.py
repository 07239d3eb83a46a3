"""What ends a run's search early once a winner is verified, in a word and a line.

A failure after a candidate was verified (the model failing after its retries, a scripted file
running out, a bug in a later candidate, the explanation failing) loses nothing: the search ends,
the best verified candidate decides the verdict (a winner is published as usual), and the
verdict's ``stopped_by`` names the failure with a machine word (the error's reason, ``crashed``
for a bug in ciopt, or the word the caller gives) and ``stopped_message`` says it in one line.
Before any candidate was verified, the same failure fails the run.

A limit is checked before each step, but what a step spends is known only once it is done: a
model's reply may bring the output tokens past their limit, a step still running when the wall
time runs out ends past it. Such an overrun is never silent (``with_overruns``): the verdict's
``stopped_by`` names the limit and ``stopped_message`` says what was spent of what was allowed
(a failure's word, when one ended the search, stays, and the overrun is a note).
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ciopt.budget import LIMITED, Ledger, Overrun
from ciopt.errors import CioptError, ModelError
from ciopt.verdict import CandidateRecord, Verdict

__all__ = ["Stop", "has_verified", "overrun_stop", "stop_for", "with_overruns"]

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


# what each limit counts, after its amount: "908.3 s of wall time", "7,640 output tokens"
UNITS = {
    "wall_seconds": "of wall time",
    "llm_calls": "model calls",
    "input_tokens": "input tokens",
    "output_tokens": "output tokens",
    "cost_usd": "of model cost",
    "candidates": "candidates",
    "bench_seconds": "of benchmarking",
    "subprocess_calls": "processes running the code",
    "output_bytes": "bytes written",
}


def _amount(limit: str, value: float) -> str:
    if limit.endswith("_seconds"):
        return f"{value:,.1f} s"
    if limit == "cost_usd":
        return f"{value:,.2f} USD"
    return f"{value:,.0f}"


def _said(over: Overrun) -> str:
    spent, allowed = _amount(over.limit, over.spent), _amount(over.limit, over.allowed)
    return f"{spent} {UNITS[over.limit]} spent, past the {over.limit} limit of {allowed}"


def overrun_stop(ledger: Ledger) -> Stop | None:
    """The limits spending went past (``Ledger.overruns``) as a stop: the first one's name
    (wall time first) and a line that says each one's spend against its limit."""
    found = ledger.overruns()
    if not found:
        return None
    return Stop(found[0].limit, "; ".join(_said(over) for over in found))


def with_overruns(verdict: Verdict, ledger: Ledger) -> Verdict:
    """``verdict``, saying any limit the run went past: in ``stopped_by`` and
    ``stopped_message`` when nothing or a limit stopped it, else (a failure's word stays the
    news) in a note. The budget is snapshot with it, so its figures agree."""
    stop = overrun_stop(ledger)
    if stop is None:
        return verdict
    update: dict[str, Any] = {"budget": ledger.snapshot()}
    if verdict.stopped_by is None or verdict.stopped_by in LIMITED:
        update |= {"stopped_by": stop.by, "stopped_message": stop.message}
    else:
        note = f"over budget: {stop.message}"
        update["notes"] = [n for n in verdict.notes if not n.startswith("over budget: ")] + [note]
    return verdict.model_copy(update=update)
