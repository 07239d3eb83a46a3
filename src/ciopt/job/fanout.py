"""A fanned-out run on a forge: ``ciopt plan`` answers the requests of the event (or a poll's)
as ``ciopt run`` would, up to the claim, and plans their units instead of running them;
``ciopt gather`` publishes what the units found, in the same threads, under the same claims.

The plan's job holds the claim (its CI run id: the units and gather are jobs of the same run;
GitLab's child pipeline is given the parent's as ``CIOPT_RUN_ID``). The progress comment shows
every unit: queued when planned, then how each ended and the pull request holding its
candidate. Units never reach the forge: they need no forge token.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from ciopt.config import load_settings
from ciopt.errors import CioptError
from ciopt.flows import Discoverer, Gathered, Session, gather_units, plan_units
from ciopt.forges import Forge, Ignored, Person, fork_context, open_forge, screen_ask
from ciopt.job.claim import Claim, Labels, ci_run, decide
from ciopt.job.progress import Progress, UnitRow
from ciopt.job.respond import Opener, Responder, rules_of
from ciopt.plan import SPLIT, Plan, PlanThread, Unit
from ciopt.trace import Listener
from ciopt.verdict import Verdict

__all__ = ["gather_on_forge", "plan_on_forge", "unit_rows"]


def plan_on_forge(
    repo: Path,
    environ: Mapping[str, str],
    flags: dict[str, Any],
    *,
    units: int,
    discover: Discoverer | None = None,
    poll: int | None = None,
    opener: Opener = open_forge,
    listeners: Sequence[Listener] = (),
) -> tuple[Plan, str]:
    """The plan of the event's request (or a poll's requests): each admitted as ``ciopt run``
    admits it (screened, authorized, claimed), then planned; the others are answered (a
    refusal, a busy reply) and left out. The plan may have no unit: nothing to do. Returns the
    plan and the results line (once the session has closed)."""
    settings = load_settings(repo if repo.is_dir() else None, **flags)
    if fork_context(environ):
        raise CioptError(
            "a fork's pipeline has no secrets to plan with; a maintainer's /optimize runs it"
        )
    forge = opener(settings.forge, settings, environ)
    rules = rules_of(settings, forge)
    plans: list[Plan] = []
    with Session("plan", repo, environ, listeners=listeners, **flags) as session:
        run = ci_run(environ, session.tracer.run_id)
        for found in forge.asks(environ, rules, poll):
            ask = screen_ask(found, rules) if not isinstance(found, Ignored) else found
            if isinstance(ask, Ignored):
                print(f"ciopt: not a request ({ask.reason}): {ask.message}")
                continue
            responder = Responder(ask, forge=forge, rules=rules, settings=settings, environ=environ)
            thread = ask.thread
            if thread is not None and thread.kind == "pull":
                responder.reply("fanout-pull.md.j2", session=session)
                print(
                    f"ciopt: {thread.key}: a pull request's request runs in one job, not fanned out"
                )
                continue
            if not responder.admit(session):
                continue
            progress = responder.progress
            ref = None
            if thread is not None and progress is not None and progress.comment is not None:
                ref = PlanThread(
                    key=thread.key,
                    number=thread.number,
                    kind=thread.kind,
                    url=thread.url or None,
                    author=ask.author.login,
                    comment=progress.comment.id,
                    claim=progress.claim.key,
                )
            try:
                plan = plan_units(
                    session, repo, ask.text, units=units, run=run, discover=discover, thread=ref
                )
            except CioptError as exc:
                responder.finish("failed", error=session.redactor.text(str(exc)))
                print(f"error: {thread.key if thread else 'request'}: {exc}")
                continue
            if progress is not None:
                progress.units = unit_rows(plan.units)
                detail = f"{len(plan.units)} CI jobs, at most {plan.max_parallel} at once"
                progress.step("candidates", "running", detail)
            plans.append(plan)
        merged = _merge(plans, run=run, settings_forge=settings.forge, base=_base(plans))
        if not merged.units:
            print("ciopt: nothing to do")
        session.out.write("plan.json", merged.to_json())
    return merged, session.results_line()


def gather_on_forge(
    repo: Path,
    environ: Mapping[str, str],
    flags: dict[str, Any],
    plan: Plan,
    units_dir: Path,
    *,
    opener: Opener = open_forge,
    listeners: Sequence[Listener] = (),
) -> tuple[Gathered, str]:
    """Publish what ``plan``'s units found, in the threads the plan claimed; each thread's
    progress comment ends with every unit's state and the pull requests. Returns what was
    gathered and the results line (once the session has closed)."""
    settings = load_settings(repo if repo.is_dir() else None, **flags)
    forge = opener(settings.forge, settings, environ)
    me = forge.whoami()
    with Session("gather", repo, environ, listeners=listeners, **flags) as session:
        progresses: dict[str, Progress] = {}
        for ref in plan.threads:
            progress = _resume(forge, me, plan, ref, environ, settings.claim_expiry_minutes)
            if progress is None:
                print(f"ciopt: {ref.key}: another run holds this request now; not published")
                continue
            progresses[ref.key] = progress
        kept = plan.model_copy(
            update={"units": [u for u in plan.units if u.thread is None or u.thread in progresses]}
        )
        gathered = gather_units(session, repo, kept, units_dir, forge=forge)
        labels = Labels(ask=settings.label)
        for key, progress in progresses.items():
            _finish(forge, progress, key, gathered, labels)
        session.out.write_verdict(gathered_verdict(plan, gathered, session.tracer.run_id))
    return gathered, session.results_line()


def unit_rows(units: list[Unit], gathered: Gathered | None = None) -> list[UnitRow]:
    """The comment's table rows: queued when planned, then as gather found each unit."""
    if gathered is None:
        return [UnitRow(id=u.id, targets=u.targets, state="queued") for u in units]
    urls = {uid: p.url for p in gathered.published for uid in p.units}
    rows = []
    for state in gathered.units:
        result = f"{state.verdict} ({state.reason})" if state.verdict else state.message
        if state.state == "failed" and state.verdict:
            result += f": {state.message}"
        rows.append(
            UnitRow(
                id=state.id,
                targets=state.targets,
                state=state.state,
                result=result,
                url=urls.get(state.id),
            )
        )
    return rows


def gathered_verdict(plan: Plan, gathered: Gathered, run_id: str) -> Verdict:
    """gather's ``verdict.json``: faster when a pull request was opened; the units' budgets
    summed against the plan's whole."""
    spent: dict[str, float] = {}
    for unit in gathered.units:
        for name, value in unit.spent.items():
            spent[name] = round(spent.get(name, 0.0) + value, 6)
    opened = [p for p in gathered.published if p.url or p.branch]
    failed = gathered.failed
    message = f"{len(opened)} pull request(s) from {len(gathered.units)} units" + (
        f"; {len(failed)} unit(s) failed: " + ", ".join(u.id for u in failed) if failed else ""
    )
    best = min((p.ratio for p in opened if p.ratio), default=None)
    return Verdict(
        verdict="faster" if opened else ("error" if failed else "no_change"),
        reason="gathered" if opened or not failed else "units_failed",
        message=message,
        base=plan.base,
        ratio=best,
        run_id=run_id,
        targets=[t for u in plan.units for t in u.targets],
        branch=opened[0].branch if opened else None,
        pr_url=opened[0].url if opened else None,
        budget={"limits": plan.limits, "spent": spent},
        notes=[*plan.notes, *gathered.notes],
    )


def _resume(
    forge: Forge,
    me: str,
    plan: Plan,
    ref: PlanThread,
    environ: Mapping[str, str],
    expiry_minutes: float,
) -> Progress | None:
    """The progress comment the plan posted, when this run's claim still holds the thread."""
    thread = forge.thread(ref.number, "pull" if ref.kind == "pull" else "issue")
    comments = forge.comments(thread)
    found = decide(
        comments,
        me=me,
        key=ref.claim,
        run=plan.run,
        expiry=timedelta(minutes=expiry_minutes),
        mine_id=ref.comment,
    )
    mine = next((c for c in comments if c.id == ref.comment), None)
    if not found.go or mine is None:
        return None
    claim = Claim(key=ref.claim, state="running", run=plan.run, at=datetime.now(UTC))
    progress = Progress(
        forge,
        thread,
        claim=claim,
        author=Person(login=ref.author),
        links=forge.links(environ),
        comment=mine,
    )
    for key in ("request", "permission", "baseline"):
        progress.steps[key] = progress.steps[key].model_copy(update={"state": "done"})
    progress.step("candidates", "done", f"{len(plan.units)} CI jobs", post=False)
    return progress


def _finish(forge: Forge, progress: Progress, key: str, gathered: Gathered, labels: Labels) -> None:
    mine = Gathered(
        units=[u for u in gathered.units if u.thread == key],
        published=[p for p in gathered.published if p.thread == key],
    )
    progress.units = unit_rows([], mine)
    for pub in mine.published:
        if pub.url:
            try:
                names = ", ".join(t.split("::")[-1] for t in pub.targets)
                forge.link(progress.thread, pub.url, f"perf: {names}")
            except CioptError as exc:
                progress.problems.append(f"pull request not linked: {exc}")
    failed = bool(mine.failed) and not mine.published
    progress.finish("failed" if failed else "done")
    try:
        ended = labels.failed if failed else labels.done
        forge.relabel(progress.thread, add=[ended], remove=[labels.running])
    except CioptError as exc:
        progress.problems.append(f"labels not updated: {exc}")
    for problem in progress.problems:
        print(f"ciopt: warning: {problem}")


def _base(plans: list[Plan]) -> str:
    return plans[0].base if plans else ""


def _merge(plans: list[Plan], *, run: str, settings_forge: str, base: str) -> Plan:
    """One plan of every request's units, numbered 1..N (a poll's requests: kind requests)."""
    if len(plans) == 1:
        return plans[0]
    units: list[Unit] = []
    for plan in plans:
        for unit in plan.units:
            units.append(unit.model_copy(update={"id": str(len(units) + 1)}))
    first = plans[0] if plans else None
    return Plan(
        kind="requests" if plans else "targets",
        run=run,
        base=base,
        forge=settings_forge,
        max_parallel=first.max_parallel if first else 1,
        combine=first.combine if first else False,
        limits={k: sum(p.limits.get(k, 0) for p in plans) for k in SPLIT},
        threads=[t for p in plans for t in p.threads],
        units=units,
        notes=[n for p in plans for n in p.notes],
    )
