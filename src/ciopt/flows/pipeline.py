"""The run of one request, as an explicit sequence of steps.

workspace -> baseline (tests, recording, benchmark, profile) -> recall the memory of earlier
runs -> propose or repair, then the candidate's fate (``candidate.evaluate``), until a budget ends
it (or a failure, once a candidate is verified: ``stops``) -> keep the candidates in the memory
(however the search ended) -> verdict -> publish

Collaborators (git, model, executor, forge, tracer, ledger) are passed in. ``Run.candidates``
holds every candidate's fate as it is decided, so a run that fails half-way still reports them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

from ciopt.agent import (
    EXPLAIN,
    PROPOSE,
    REPAIR,
    Attempt,
    DecodeFailed,
    ExplainInput,
    FailedCandidate,
    HotLine,
    HotSpot,
    Predictor,
    ProposeInput,
    RepairInput,
    SourceFile,
    TargetRef,
    find_callers,
    read_line_profile,
)
from ciopt.budget import Ledger
from ciopt.client import (
    Client,
    Target,
    Worktrees,
    included_files,
    open_client,
    resolve_target,
)
from ciopt.config import Settings
from ciopt.errors import BudgetExhausted, RequestError
from ciopt.executors import Executor, isolation_of
from ciopt.flows.artifacts import OutputDir
from ciopt.flows.candidate import Baseline, Bench, evaluate
from ciopt.flows.memory import RunMemory, Store
from ciopt.flows.stops import Stop, has_verified, stop_for, with_overruns
from ciopt.flows.verdicts import run_verdict
from ciopt.forges import Forge
from ciopt.git import Git
from ciopt.inject import INJECT_DIR
from ciopt.measure import bench_options, calibration_floors, design, run_benchmarks
from ciopt.report import render_report
from ciopt.request import Request, selector_paths
from ciopt.trace import Tracer
from ciopt.verdict import CandidateRecord, Discovery, Origin, Verdict
from ciopt.verify import Scope, Verifier, replay_options

__all__ = ["REPAIRABLE", "Run", "pr_title"]

FORK_NOTE = (
    "the pull request comes from a fork, which ciopt cannot push to: apply patch.diff from the "
    "artifact (it is also in the progress comment)"
)

# a rejected candidate worth one repair: its idea may be sound and the failure fixable
REPAIRABLE = frozenset(
    {"not_applied", "malformed_response", "tests_failed", "behavior_changed", "forbidden_path"}
)


class Run:
    def __init__(
        self,
        settings: Settings,
        request: Request,
        *,
        git: Git,
        predictor: Predictor,
        executor: Executor,
        forge: Forge,
        tracer: Tracer,
        ledger: Ledger,
        out: OutputDir,
        environ: Mapping[str, str],
        origin: Origin | None = None,
        into: str | None = None,
        push: bool = True,
        memory: Store | None = None,
        trace_sinks: Sequence[str] = (),
        hold_note: str | None = None,
        unit: str | None = None,
        discovery: Discovery | None = None,
    ) -> None:
        """``origin``: the forge thread that asked; ``into``: the branch the pull request goes
        into (default: the repository's default); ``push=False``: the result is the patch only
        (a pull request from a fork, which ciopt cannot push to, nor keeps memory for);
        ``memory``: where the memory of earlier runs is kept (None: nowhere); ``trace_sinks``:
        where the trace is sent when the command ends (``Session.sink_targets``), for the
        report; ``hold_note``: why a winner is kept to its patch with ``push=False`` (default: a
        fork's pull request); ``unit``: the unit of a fanned-out run this is; ``discovery``:
        how the request's targets were found, when it named none (``flows.discover``)."""
        self.settings = settings
        self.request = request
        self.git = git
        self.predict = predictor
        self.executor = executor
        self.forge = forge
        self.tracer = tracer
        self.ledger = ledger
        self.out = out
        self.trace_sinks = tuple(trace_sinks)
        self.environ = environ
        self.origin = origin
        self.into = into
        self.push = push
        self.held = hold_note or FORK_NOTE
        self.unit = unit
        self.discovery = discovery
        self.base_sha: str | None = None
        self.candidates: list[CandidateRecord] = []
        self.notes: list[str] = []
        self.stopped: Stop | None = None  # what ended the search once a candidate was verified
        self.memory = RunMemory(memory, settings, tracer, self.notes)

    def execute(self) -> Verdict:
        bench = self.bench()
        with Worktrees(self.git) as trees:
            base, targets, client = self.baseline(trees, bench)
            context = self.context(base, targets, client)
            try:
                stopped_by = self.iterate(base, context, trees, client, bench)
            finally:  # what the candidates taught is kept, whatever ended the search
                self.remember()
            return self.publish(bench, stopped_by)

    # -- steps ---------------------------------------------------------------------------------

    def bench(self) -> Bench:
        """The measurement design: the request's choices over the settings'."""
        r, s = self.request, self.settings
        measure = r.measure or s.measure
        floors, _ = calibration_floors(s, self.git, self.notes, measure)
        return Bench(
            options=bench_options(s, r.bench),
            design=design(
                s,
                selectors=r.bench,
                floors=floors,
                max_rounds=r.rounds,
                confidence=r.confidence,
                min_effect=r.min_effect,
                time_budget=r.time_budget,
            ),
            measure=measure,
        )

    def baseline(self, trees: Worktrees, bench: Bench) -> tuple[Baseline, list[Target], Client]:
        with self.tracer.span("workspace") as sp:
            sha = self.git.resolve(self.settings.base)
            self.base_sha = sha
            files = [spec.partition("::")[0] for spec in self.request.targets]
            included = included_files(self.git, self.settings.worktree_include, files)
            self.tracer.event("worktree.include", **included.fields())
            trees.include = included.files
            root = trees.add("base", sha)
            targets = [resolve_target(root, spec) for spec in self.request.targets]
            for path in selector_paths(*self.request.bench, *self.request.tests):
                if not (root / path).exists():
                    raise RequestError(
                        f"{path} does not exist in the repository; "
                        "name an existing test file or folder"
                    )
            sp.set(base=sha, worktree=str(root), targets=[t.__dict__ for t in targets])
        client = open_client(
            self.settings,
            self.git,
            root,
            self.environ,
            self.executor,
            ledger=self.ledger,
            targets=targets,
        )
        allowed = (
            self.request.allow
            or tuple(self.settings.allowed_paths)
            or tuple(sorted({t.path for t in targets}))
        )
        scope = Scope(
            tests=self.request.tests or tuple(self.settings.tests.split()),
            bench=self.request.bench,
            allowed=allowed,
            targets=self.request.targets,
        )
        verifier = Verifier(
            client,
            root,
            scope,
            replay_options(self.settings, rel_tol=self.request.rel_tol),
            tracer=self.tracer,
            work=self.out.work,
            test_timeout=self.settings.test_timeout,
        )
        verifier.baseline(sorted({t.path for t in targets} | {p for p in allowed if _plain(p)}))
        self.notes += verifier.notes
        with self.tracer.span("baseline.bench") as sp:
            run = run_benchmarks(
                client, root, bench.options, self.out.bench / "baseline.json", hashseed=0
            )
            self.ledger.charge(bench_seconds=run.seconds)
            sp.set(medians=run.medians)
        self._tolerate(client, root)
        return Baseline(sha, root, verifier), targets, client

    def _tolerate(self, client: Client, root: Path) -> None:
        """What the baseline's own code did beyond its sandbox is not held against candidates."""
        seen = client.violations.get(root, [])
        if seen:
            self.tracer.event("sandbox.violation", candidate=None, seen=seen)
            self.notes.append(
                "the baseline's own code " + "; ".join(seen) + " (ended by ciopt; candidates "
                "that do the same are not rejected for it)"
            )
        client.tolerate(root)

    def context(self, base: Baseline, targets: list[Target], client: Client) -> ProposeInput:
        files = sorted({t.path for t in targets})
        with self.tracer.span("baseline.profile") as sp:
            profile, hot_lines = self.profile(base, client, files)
            callers = [c for t in targets for c in find_callers(base.root, t, limit=3)]
            sp.set(
                hot=[h.model_dump() for h in profile[:10]],
                hot_lines=[h.model_dump() for h in hot_lines[:10]],
                callers=[f"{c.path}::{c.qualname}" for c in callers],
            )
        bench_text = "\n\n".join(
            (base.root / path).read_text()[:6000]
            for path in selector_paths(*self.request.bench)
            if (base.root / path).is_file()
        )
        return ProposeInput(
            targets=[TargetRef(path=t.path, qualname=t.qualname) for t in targets],
            files=[SourceFile(path=p, text=(base.root / p).read_text()) for p in files],
            callers=callers[:5],
            benchmark=bench_text,
            profile=profile,
            hot_lines=hot_lines,
            memory=self.memory.recall(base.root, targets),
        )

    def profile(
        self, base: Baseline, client: Client, files: list[str]
    ) -> tuple[list[HotSpot], list[HotLine]]:
        """The baseline benchmark's hottest functions and the target files' hottest lines.

        A profile that fails is only noted: proposals are then made without one.
        """
        dest = self.out.work / "profile.json"
        done = client.run(
            base.root,
            [
                str(INJECT_DIR / "ciopt_profile.py"),
                str(dest),
                str(base.root),
                "--lines",
                ",".join(files),
                "--",
                *self.request.bench,
                "--benchmark-disable",
                "-q",
                "-p",
                "no:cacheprovider",
            ],
            timeout=self.settings.test_timeout,
        )
        if not done.ok or not dest.is_file():
            self.notes.append("the baseline could not be profiled; proposals had no profile")
            return [], []
        functions = [HotSpot(**row) for row in json.loads(dest.read_text())["functions"]]
        return functions, read_line_profile(dest, base.root)

    def iterate(
        self,
        base: Baseline,
        context: ProposeInput,
        trees: Worktrees,
        client: Client,
        bench: Bench,
    ) -> str | None:
        """Propose and evaluate candidates until the candidate budget or another limit ends it,
        or a failure does once a candidate is verified (``flows.stops``).

        Returns what stopped the run early, if anything did: a limit's name, or a failure's word.
        """
        for number in range(1, self.ledger.limits.candidates + 1):
            try:
                self.ledger.ensure(
                    "candidates",
                    "llm_calls",
                    "cost_usd",
                    "bench_seconds",
                    "subprocess_calls",
                    "output_bytes",
                )
                with self.tracer.span("candidate", candidate=number) as sp:
                    record = self.candidate(number, base, context, trees, client, bench)
                    sp.set(outcome=record.outcome, reason=record.reason, ratio=record.ratio)
            except BudgetExhausted as exc:
                self.tracer.event(
                    "budget.exhausted", limit=exc.limit, spent=exc.spent, allowed=exc.allowed
                )
                return exc.limit
            except Exception as exc:  # once a candidate is verified, a failure ends the search
                if not has_verified(self.candidates):
                    raise
                return self.stop(stop_for(exc, f"candidate {number}"))
            self.candidates.append(record)
            context.attempts.append(
                Attempt(
                    id=number,
                    outcome=f"{record.outcome} ({record.reason})",
                    message=record.message,
                    rationale=record.rationale[:300],
                )
            )
        return None

    def candidate(
        self,
        number: int,
        base: Baseline,
        context: ProposeInput,
        trees: Worktrees,
        client: Client,
        bench: Bench,
    ) -> CandidateRecord:
        """Repair the last candidate when it failed in a way a fix may address, else propose."""
        self.ledger.charge(candidates=1)
        last = self.candidates[-1] if self.candidates else None
        # the candidate this one repairs: the last, unless it was a repair or cannot be fixed
        repairs = last if last and last.parent is None and last.reason in REPAIRABLE else None
        parent = repairs.id if repairs else None
        with self.tracer.span("repair" if repairs else "propose", candidate=number) as sp:
            try:
                purpose = f"for candidate {number}"
                if repairs is not None:
                    sp.set(repairs=parent)
                    asked = self.repair_input(context, repairs)
                    proposal = self.predict(REPAIR, asked, purpose=purpose).output
                else:
                    proposal = self.predict(PROPOSE, context, purpose=purpose).output
            except DecodeFailed as exc:
                sp.set(decoded=False, error=str(exc))
                return CandidateRecord(
                    id=number,
                    outcome="rejected",
                    reason="malformed_response",
                    message=str(exc),
                    parent=parent,
                )
            sp.set(decoded=True, edits=len(proposal.edits))
            if self.settings.content_capture == "full":  # the model's words stay out otherwise
                sp.set(rationale=proposal.rationale)
        record = evaluate(
            number,
            proposal,
            base=base,
            git=self.git,
            trees=trees,
            client=client,
            bench=bench,
            ledger=self.ledger,
            tracer=self.tracer,
            out=self.out,
        )
        return record.model_copy(update={"parent": parent})

    def remember(self) -> None:
        """The candidates, kept in the memory of earlier runs (not a fork's: a stranger's code
        steered what its model said)."""
        if self.push:
            self.memory.keep(
                self.candidates,
                run_id=self.tracer.run_id,
                base=self.base_sha,
                redact=self.tracer.redactor.text,
            )

    def stop(self, stop: Stop) -> str:
        """The search ends at ``stop`` (traced as ``search.stopped``); its word."""
        self.stopped = stop
        self.tracer.event("search.stopped", **stop.fields())
        return stop.by

    def message(self) -> str | None:
        return self.stopped.message if self.stopped else None

    def repair_input(self, context: ProposeInput, failed: CandidateRecord) -> RepairInput:
        return RepairInput(
            targets=context.targets,
            files=context.files,
            benchmark=context.benchmark,
            failed=FailedCandidate(
                id=failed.id,
                reason=failed.reason,
                message=failed.message,
                rationale=failed.rationale,
                diff=failed.diff,
            ),
        )

    def explain(self, verdict: Verdict) -> Verdict:
        """A title and summary of the winner for the PR; an explanation that fails is a note."""
        winner = next((c for c in self.candidates if c.head and c.head == verdict.head), None)
        if winner is None or verdict.verdict != "faster" or not self.settings.explain:
            return verdict
        tests = verdict.correctness.tests
        diff = verdict.correctness.differential
        checks = [f"{tests.passed} tests pass" if tests else "tests not run"]
        if diff is not None:
            checks.append(
                f"{diff.calls_equal}/{diff.calls_compared} recorded calls and "
                f"{diff.generated_equal}/{diff.generated_compared} generated inputs equal"
            )
        inputs = ExplainInput(
            targets=[
                TargetRef(path=t.split("::")[0], qualname=t.split("::")[-1])
                for t in verdict.targets
            ],
            diff=winner.diff,
            rationale=winner.rationale,
            measurement=winner.message,
            correctness="; ".join(checks),
        )
        with self.tracer.span("explain", candidate=winner.id) as sp:
            try:
                told = self.predict(EXPLAIN, inputs, purpose=f"of candidate {winner.id}").output
            except Exception as exc:  # the winner stands without the model's words
                sp.set(explained=False, error=str(exc))
                if verdict.stopped_by:  # what cut the search short stays the news
                    self.notes.append(f"the winner was not explained by the model: {exc}")
                    return verdict
                self.stop(stop_for(exc, "the explanation", by="explanation_failed"))
                return verdict.model_copy(
                    update={"stopped_by": "explanation_failed", "stopped_message": self.message()}
                )
            sp.set(explained=True)
            if self.settings.content_capture == "full":
                sp.set(title=told.title)
        return verdict.model_copy(update={"title": told.title, "summary": told.summary})

    def publish(self, bench: Bench, stopped_by: str | None) -> Verdict:
        with self.tracer.span("publish") as sp:
            verdict = self.explain(self.verdict(bench, stopped_by))
            winner = next((c for c in self.candidates if c.head == verdict.head), None)
            if winner is not None and winner.head:
                self.out.write_patch(winner.diff)  # even when held back: a person may judge it
            publishable = bool(winner and winner.head and verdict.reason == "verified_faster")
            if publishable and not self.push:
                verdict = verdict.model_copy(update={"notes": [*verdict.notes, self.held]})
            branch = f"ciopt/{self.request.branch_slug()}" if publishable and self.push else None
            verdict = verdict.model_copy(
                update={"branch": branch, "budget": self.ledger.snapshot()}
            )
            verdict = with_overruns(verdict, self.ledger)  # a limit gone past is said
            report = render_report(verdict)  # the pull request's body, and report.md: the same
            if winner is not None and winner.head and branch:
                pub = self.forge.publish(
                    self.git,
                    branch=branch,
                    head=winner.head,
                    title=pr_title(verdict),
                    body=report,
                    base=self.into,
                )
                verdict = verdict.model_copy(
                    update={
                        "branch": pub.branch or None,
                        "pr_url": pub.url or None,
                        "budget": self.ledger.snapshot(),
                    }
                )
                verdict = with_overruns(verdict, self.ledger)  # publishing took time too
                sp.set(branch=pub.branch, url=pub.url, updated=pub.updated)
            self.out.write_report(report)
            self.out.write_verdict(verdict)
            sp.set(verdict=verdict.verdict, reason=verdict.reason)
        return verdict

    def verdict(self, bench: Bench, stopped_by: str | None) -> Verdict:
        """The decision (``verdicts.run_verdict``) with the run's facts."""
        decided = run_verdict(
            self.candidates,
            stopped_by=stopped_by,
            publish_low_confidence=self.settings.publish_low_confidence,
        )
        self.notes.extend(decided.notes)
        return decided.model_copy(
            update={
                "base": self.base_sha,
                "run_id": self.tracer.run_id,
                "targets": list(self.request.targets),
                "confidence": bench.design.confidence,
                "min_effect": bench.design.min_effect,
                "notes": self.notes,
                "stopped_message": self.message(),
                "budget": self.ledger.snapshot(),
                "origin": self.origin,
                "unit": self.unit,
                "discovery": self.discovery,
                "isolation": isolation_of(self.executor),
                "trace_sinks": list(self.trace_sinks),
            }
        )

    def failed(self, exc: Exception, reason: str) -> Verdict:
        """The error verdict for a run that could not finish, with its report written.

        What it learned is kept; the caller writes the verdict (``flows.session.Session``).
        """
        verdict = Verdict(
            verdict="error",
            reason=reason,
            message=str(exc),
            base=self.base_sha,
            run_id=self.tracer.run_id,
            targets=list(self.request.targets),
            candidates=self.candidates,
            notes=self.notes,
            budget=self.ledger.snapshot(),
            origin=self.origin,
            unit=self.unit,
            discovery=self.discovery,
            isolation=isolation_of(self.executor),
            trace_sinks=list(self.trace_sinks),
        )
        verdict = with_overruns(verdict, self.ledger)
        self.out.write_report(render_report(verdict))
        return verdict


def pr_title(verdict: Verdict) -> str:
    what = verdict.title or ", ".join(t.split("::")[-1] for t in verdict.targets)
    return f"perf: {what} ({1 / verdict.ratio:.3g}x faster)" if verdict.ratio else f"perf: {what}"


def _plain(pattern: str) -> bool:
    """A path, not a glob: its functions can be recorded."""
    return pattern.endswith(".py") and not any(ch in pattern for ch in "*?[")
