"""A request fanned out over CI jobs: its plan, and the run of one unit of it.

``plan_units`` turns the work at hand into units: the targets discovery found for a request
that names none (one unit a target), or one target's candidate slots (``units=N``), each with
its share of the budget (``plan.split_limits``). ``run_unit`` runs one unit as ``ciopt run``
runs a request, with the unit's share as its limits, and publishes nothing: the winner is its
``patch.diff``, which ``ciopt gather`` publishes once every unit has ended.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path

from ciopt.agent import Model, open_models
from ciopt.config import Limits, Settings
from ciopt.errors import RequestError
from ciopt.flows.discover import discover
from ciopt.flows.optimize import optimize_request
from ciopt.flows.session import Session
from ciopt.forges import Forge, open_forge
from ciopt.git import Git
from ciopt.plan import Plan, PlanThread, Unit, split_limits
from ciopt.request import Request, asked_keys, parse_request
from ciopt.verdict import Discovery, Origin, Verdict

__all__ = ["UNIT_FILE", "Discoverer", "plan_units", "run_unit"]

# the targets of a request that names none, and why they were picked: (session, git, bench, top)
Discoverer = Callable[[Session, Git, Sequence[str], int], Discovery]

UNIT_FILE = "unit.json"  # in a unit's output folder: which unit of which run it holds
UNIT_NOTE = "a unit of a fanned-out run: ciopt gather publishes the best of the units"


def plan_units(
    session: Session,
    repo: Path,
    text: str,
    *,
    units: int,
    run: str,
    discover: Discoverer | None = None,
    thread: PlanThread | None = None,
    defaults: Mapping[str, Sequence[str]] | None = None,
) -> Plan:
    """The plan of one request: a unit per discovered target when ``text`` names no target (and
    ``defaults`` gives none), else ``units`` units sharing the target's candidates."""
    settings = session.settings
    git = Git.open(repo)
    base = git.resolve(settings.base)
    with session.tracer.span("plan", units_asked=units) as sp:
        named = "target" in asked_keys(text, settings.trigger_phrase)
        discovery: Discovery | None = None
        fill = dict(defaults or {})
        if not named and not fill.get("targets"):
            probe = _parse(text, settings, {}, discover=True)
            top = probe.top or settings.discover_top  # tightened: a request's top= only lowers
            discovery = (discover or _discover)(session, git, probe.bench, top)
            found = discovery.targets
            if not found:
                raise RequestError(
                    "discovery found none of the project's own functions in the benchmarks' "
                    "time; name a target: target=path/to/module.py::function"
                )
            fill["targets"] = tuple(found)
        request = _parse(text, settings, fill)
        limits = _limits(request, settings)
        if discovery is not None:  # one unit a target
            groups: list[tuple[str, ...]] = [(t,) for t in request.targets]
            kind = "targets"
        else:  # the target's candidates over slots
            groups = [request.targets] * max(1, min(units, limits.candidates))
            kind = "slots"
        # each unit calls the model once and tries one candidate at least
        room = max(1, min(len(groups), limits.llm_calls, limits.candidates))
        dropped, groups = groups[room:], groups[:room]
        shares = split_limits(limits, len(groups))
        planned = [
            Unit(
                id=str(i),
                request=text,
                targets=list(targets),
                bench=_reaching(discovery, targets),
                thread=thread.key if thread else None,
                limits=share,
                slot=i if kind == "slots" else None,
            )
            for i, (targets, share) in enumerate(zip(groups, shares, strict=True), 1)
        ]
        notes = []
        if kind == "targets" and dropped:
            left = ", ".join(t for g in dropped for t in g)
            notes.append(
                f"left out for the budget ({limits.llm_calls} model calls, {limits.candidates} "
                f"candidates; a unit needs one of each): {left}"
            )
        if kind == "slots" and len(planned) < units:
            notes.append(
                f"{len(planned)} units, not {units}: each needs one model call and one "
                "candidate of the budget at least"
            )
        plan = Plan(
            kind=kind,
            run=run,
            base=base,
            forge=settings.forge,
            max_parallel=settings.max_parallel,
            combine=settings.combine_targets,
            limits=limits.model_dump(),
            threads=[thread] if thread else [],
            units=planned,
            discovery=discovery,
            notes=notes,
        )
        sp.set(kind=kind, units=[u.model_dump() for u in planned], notes=notes)
    return plan


def run_unit(
    session: Session,
    repo: Path,
    plan: Plan,
    unit: Unit,
    models: Callable[[Settings], Mapping[str, Model]] = open_models,
) -> Verdict:
    """``unit`` of ``plan``, run at the plan's base commit; nothing is published."""
    session.override(base=plan.base)
    thread = plan.thread(unit.thread)
    origin = Origin(
        forge=plan.forge,
        thread=thread.key if thread else None,
        url=thread.url if thread else None,
        requested_by=thread.author if thread else None,
        via="fanout",
    )
    session.tracer.event("unit", unit=unit.id, plan_run=plan.run, targets=unit.targets)
    # which unit this folder is, from the start: a unit killed half-way is still found by gather
    stamp = {
        "unit": unit.id,
        "run": plan.run,
        "targets": unit.targets,
        "started_at": datetime.now(UTC).isoformat(timespec="microseconds"),
    }
    session.out.write(UNIT_FILE, json.dumps(stamp) + "\n")
    failed = session.on_error  # an error before the run begins names the unit too
    session.on_error = lambda exc: failed(exc).model_copy(update={"unit": unit.id})
    verdict = optimize_request(
        session,
        lambda: unit.request,
        repo,
        models,
        forge=_nowhere(session),
        origin=origin,
        push=False,
        hold_note=UNIT_NOTE,
        defaults={"targets": tuple(unit.targets)},
        narrow={"bench": tuple(unit.bench)} if unit.bench else None,
        unit=unit.id,
    )
    return verdict


def _discover(session: Session, git: Git, bench: Sequence[str], top: int) -> Discovery:
    return discover(session, git, bench=bench, top=top)


def _reaching(discovery: Discovery | None, targets: Sequence[str]) -> list[str]:
    """The benchmark tests a discovered target ran under (none known: all the request's)."""
    if discovery is None:
        return []
    found = {t for spec in targets if (row := discovery.row(spec)) for t in row.benchmarks}
    return sorted(found)


def _nowhere(session: Session) -> Forge:
    """A unit publishes nothing: gather does, once every unit has ended."""
    return open_forge("none", session.settings, session.environ)


def _parse(
    text: str,
    settings: Settings,
    defaults: Mapping[str, Sequence[str]],
    *,
    discover: bool = False,
) -> Request:
    request = parse_request(
        text, settings.trigger_phrase, {"bench": settings.bench, **defaults}, discover=discover
    )
    request, _ = request.tightened(settings.model_dump())
    return request


def _limits(request: Request, settings: Settings) -> Limits:
    limits, _ = settings.limits.narrowed(**request.limit_overrides)
    return limits
