"""One ledger of limits, charged where each resource is spent."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ciopt.config import Limits
from ciopt.errors import BudgetExhausted

__all__ = ["LIMITED", "Ledger", "Overrun"]

COUNTERS = (
    "llm_calls",
    "input_tokens",
    "output_tokens",
    "cost_usd",
    "candidates",
    "bench_seconds",
    "subprocess_calls",
    "output_bytes",
)
LIMITED = ("wall_seconds", *COUNTERS)  # every limit: the counters, and wall time
# counted one use at a time: ``ensure`` checks that ``need`` more fit; the rest need headroom
COUNTED = ("llm_calls", "candidates", "subprocess_calls")


@dataclass(frozen=True)
class Overrun:
    """A limit that spending went past (a step's spend is known only once it is done)."""

    limit: str  # a counter's name, or ``wall_seconds``
    spent: float
    allowed: float


class Ledger:
    """What has been spent against ``limits``. ``ensure`` before spending, ``charge`` after."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.limits = limits
        self._clock = clock
        self._start = clock()
        self.spent: dict[str, float] = dict.fromkeys(COUNTERS, 0.0)
        self._lock = threading.Lock()  # duet rounds charge from two threads

    def wall_seconds(self) -> float:
        return self._clock() - self._start

    def left(self, name: str) -> float:
        """What is left of ``name`` (a counter, or ``wall_seconds``): negative once overrun."""
        if name not in LIMITED:
            raise KeyError(f"unknown budget counter {name!r}")
        spent = self.wall_seconds() if name == "wall_seconds" else self.spent[name]
        return float(self.limits.model_dump()[name]) - spent

    def seconds_left(self) -> float:
        """Wall time left before the ``wall_seconds`` limit (negative once past it)."""
        return self.left("wall_seconds")

    def overruns(self) -> list[Overrun]:
        """The limits spending went past, wall time first: a reply longer than the output
        tokens left, a step still running when the wall time ran out. Reaching a limit exactly
        is no overrun."""
        allowed = self.limits.model_dump()
        found = []
        wall = self.wall_seconds()
        if wall > allowed["wall_seconds"]:
            found.append(Overrun("wall_seconds", wall, allowed["wall_seconds"]))
        for name in COUNTERS:
            if self.spent[name] > allowed[name]:
                found.append(Overrun(name, self.spent[name], allowed[name]))
        return found

    def charge(self, **amounts: float) -> None:
        for name, amount in amounts.items():
            if name not in self.spent:
                raise KeyError(f"unknown budget counter {name!r}")
            with self._lock:
                self.spent[name] += amount

    def ensure(self, *names: str, need: float = 1.0) -> None:
        """Raise ``BudgetExhausted`` unless ``need`` more of each named counter is available.

        Wall time is always checked. Counts (``COUNTED``) must fit ``need`` more; tokens, cost,
        benchmark seconds and output bytes are checked for headroom (any left), since what a
        step spends of them is only known once it has been taken.
        """
        allowed = self.limits.model_dump()
        if self.wall_seconds() >= allowed["wall_seconds"]:
            raise BudgetExhausted(
                "wall_seconds", round(self.wall_seconds(), 1), allowed["wall_seconds"]
            )
        for name in names:
            step = need if name in COUNTED else 0.0
            if self.spent[name] + step > allowed[name] or self.spent[name] >= allowed[name] > 0:
                raise BudgetExhausted(name, self.spent[name], allowed[name])

    def snapshot(self) -> dict[str, dict[str, float]]:
        spent = {k: round(v, 6) for k, v in self.spent.items()}
        spent["wall_seconds"] = round(self.wall_seconds(), 3)
        return {"limits": self.limits.model_dump(), "spent": spent}
