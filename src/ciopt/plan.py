"""The plan of a fanned-out run: ``ciopt plan`` writes it, each CI matrix job runs one of its
units (``ciopt run --unit``), and ``ciopt gather`` publishes what the units found.

A unit is one request's text for one runner: a target, its share of the budget and of the
candidates. Ratios are measured within a unit (its candidates against its own baseline, on its
own runner), so units on runners of different speed stay comparable. The plan travels between
jobs as a file or as base64 (``encoded``): it holds a stranger's request text, which must never
meet a shell or a CI variable expansion.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ciopt.config import Limits
from ciopt.errors import ConfigError
from ciopt.verdict import Discovery

__all__ = ["SHARED", "SPLIT", "Plan", "PlanThread", "Unit", "split_limits"]

# limits a unit spends from one pot: split so that the units together never pass the total
SPLIT = ("llm_calls", "input_tokens", "output_tokens", "cost_usd", "candidates")
# limits of a runner: each unit has the whole of them on its own runner
SHARED = ("wall_seconds", "bench_seconds", "subprocess_calls", "output_bytes")

Kind = Literal["targets", "slots", "requests"]


class PlanThread(BaseModel):
    """The forge thread a unit answers, as gather needs it to publish and report."""

    model_config = ConfigDict(frozen=True)

    key: str  # issue-12, pr-7
    number: int
    kind: str  # issue, pull
    url: str | None = None
    author: str = ""  # who asked (authorized when the plan was made)
    comment: int | None = None  # the progress comment the plan posted
    claim: str  # the claim's key (the thread's, or comment-<id>)


class Unit(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str  # "1", "2", ...: a matrix value
    request: str  # the request text this unit runs (its target named)
    targets: list[str]
    # the benchmarks it measures: those its target ran under when discovered (of the request's
    # own; empty: all the request's), so one target's speedup is not diluted by the others'
    bench: list[str] = []
    thread: str | None = None  # PlanThread.key
    limits: dict[str, int | float] = {}  # the unit's share of the budget: Limits fields
    slot: int | None = None  # of a target's candidate slots (kind "slots"), from 1

    @property
    def group(self) -> str:
        """Units of one group compete: gather publishes the best of them."""
        return f"{self.thread or ''}|{','.join(self.targets)}"


class Plan(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    schema_: Literal["ciopt.plan/1"] = Field("ciopt.plan/1", alias="schema")
    kind: Kind
    run: str  # the CI run that holds the claims: gather publishes only for it
    base: str  # the commit every unit optimizes
    forge: str
    max_parallel: int = Field(4, ge=1)
    combine: bool = False  # one pull request for a thread's targets, not one per target
    limits: dict[str, int | float] = {}  # the whole budget, as the units share it
    threads: list[PlanThread] = []
    units: list[Unit]
    discovery: Discovery | None = None  # why these targets (``ciopt discover``)
    notes: list[str] = []

    def unit(self, unit_id: str) -> Unit:
        for unit in self.units:
            if unit.id == unit_id:
                return unit
        known = ", ".join(u.id for u in self.units)
        raise ConfigError(f"the plan has no unit {unit_id!r} (its units: {known}); check --unit")

    def thread(self, key: str | None) -> PlanThread | None:
        return next((t for t in self.threads if t.key == key), None)

    def matrix(self) -> str:
        """The GitHub Actions ``strategy.matrix`` of the units, as JSON."""
        return json.dumps({"unit": [u.id for u in self.units]}, separators=(",", ":"))

    def to_json(self) -> str:
        return self.model_dump_json(by_alias=True, indent=2) + "\n"

    def encoded(self) -> str:
        """The plan as base64: inert wherever it is carried (a job output, a CI variable)."""
        return base64.b64encode(self.model_dump_json(by_alias=True).encode()).decode()

    @classmethod
    def read(cls, path: Path) -> Plan:
        """A plan file, as JSON or as ``encoded`` base64 (``--plan`` takes either)."""
        if not path.is_file():
            raise ConfigError(f"--plan {path} does not exist; pass the plan ciopt plan wrote")
        text = path.read_text(encoding="utf-8").strip()
        try:
            if not text.startswith("{"):
                text = base64.b64decode(text, validate=True).decode()
            return cls.model_validate_json(text)
        except (ValueError, ValidationError) as exc:
            first = str(exc).splitlines()[0]
            raise ConfigError(
                f"--plan {path} is not a plan ciopt wrote ({first}); pass plan.json or its "
                "base64 as ciopt plan gave it"
            ) from None


def split_limits(limits: Limits, units: int) -> list[dict[str, int | float]]:
    """Each unit's share of ``limits``: the pot limits (``SPLIT``) divided so that the shares add
    up to no more than the whole (a remainder goes to the first units); the runner's own limits
    (``SHARED``) given whole to each unit."""
    if units < 1:
        raise ValueError("a plan has one unit at least")
    whole = limits.model_dump()
    shares: list[dict[str, int | float]] = [{} for _ in range(units)]
    for name in SPLIT:
        total = whole[name]
        if isinstance(total, int):
            base, extra = divmod(total, units)
            for i, share in enumerate(shares):
                share[name] = base + (1 if i < extra else 0)
        else:  # USD: rounded down to a micro-dollar, so the sum never passes the total
            each = int(total * 1_000_000 / units) / 1_000_000
            for share in shares:
                share[name] = each
    for name in SHARED:
        for share in shares:
            share[name] = whole[name]
    return shares
