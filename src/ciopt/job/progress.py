"""The progress comment: made when a job starts, edited in place as the run goes, ending with the
result and links to the pull/merge request and the artifact.

It follows the run through the trace (``Tracer.listeners``), so the pipeline knows nothing of it.
A comment that cannot be edited never stops the run: the problem is kept and reported once.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel

from ciopt.errors import CioptError
from ciopt.forges import Comment, Forge, Links, Person, Thread
from ciopt.job.claim import Claim, State, marker
from ciopt.report import render_text
from ciopt.verdict import Discovery, Verdict

__all__ = ["Progress", "Step", "UnitRow"]

StepState = Literal["pending", "running", "done", "failed", "skipped"]

TITLES = {
    "request": "Read the request",
    "permission": "Check the requester's permission",
    "baseline": "Measure the baseline (tests, benchmark, profile)",
    "candidates": "Propose, verify and measure candidates",
    "publish": "Publish the result",
}
BASELINE_SPANS = ("workspace", "baseline.tests", "baseline.bench", "baseline.profile")
# a step shown only when the request names no target: before the baseline's
DISCOVER_TITLE = "Find the hottest functions (the request names no target)"


class Step(BaseModel):
    key: str
    title: str
    state: StepState = "pending"
    detail: str = ""


class UnitRow(BaseModel):
    """One CI job of a fanned-out run, as the comment shows it."""

    id: str
    targets: list[str]
    state: str  # queued, done, failed, missing
    result: str = ""  # the verdict and its reason, or why the job left nothing
    url: str | None = None  # the pull/merge request holding its candidate


class Progress:
    """One thread's progress comment for one job."""

    def __init__(
        self,
        forge: Forge,
        thread: Thread,
        *,
        claim: Claim,
        author: Person,
        links: Links,
        comment: Comment | None = None,
        redact: Callable[[str], str] = str,
    ) -> None:
        self.forge = forge
        self.redact = redact  # the comment is public: nothing secret reaches it
        self.thread = thread
        self.claim = claim
        self.author = author
        self.links = links
        self.comment = comment
        self.steps = {key: Step(key=key, title=title) for key, title in TITLES.items()}
        self.result: str = ""
        self.verdict: Verdict | None = None
        self.patch: str = ""  # shown when it cannot be published (a fork's pull request)
        self.isolation: str = ""  # how the code under test is isolated, once the executor opens
        self.problems: list[str] = []
        self.units: list[UnitRow] = []  # a fanned-out run's jobs (``ciopt plan``, ``gather``)
        self.discovery: Discovery | None = None  # why these targets, once they are found
        self._outcomes: Counter[str] = Counter()
        self._shown = ""

    # -- state ---------------------------------------------------------------------------------

    def step(self, key: str, state: StepState, detail: str = "", *, post: bool = True) -> None:
        self.steps[key] = self.steps[key].model_copy(update={"state": state, "detail": detail})
        if post:
            self.post()

    def on_record(self, record: dict[str, Any]) -> None:
        """Follow the run: a tracer listener. Never raises."""
        try:
            self._follow(record)
        except Exception as exc:  # a progress comment must never end a run
            self.problems.append(f"progress comment not updated: {exc}")

    def _follow(self, record: dict[str, Any]) -> None:
        kind, name = record.get("type"), record.get("name")
        failed = record.get("status") == "error"
        error = str(record.get("error", "")).split(": ", 1)[-1]
        if kind == "event" and name == "executor":
            self.isolation = str(record.get("attrs", {}).get("isolation", ""))
        elif name in ("discover", "discovery"):
            self._follow_discovery(record, failed, error)
        elif kind == "span_end" and name == "request":
            self.step("request", "failed" if failed else "done", error)
        elif kind == "span_start" and name == "workspace":
            self.step("baseline", "running")
        elif kind == "span_end" and name in BASELINE_SPANS and failed:
            self.step("baseline", "failed", error)
        elif kind == "span_end" and name == "baseline.profile":
            self.step("baseline", "done", "tests pass, benchmark and profile measured")
        elif kind == "span_start" and name == "candidate":
            if self.steps["baseline"].state != "done":
                self.steps["baseline"] = self.steps["baseline"].model_copy(update={"state": "done"})
            number = record.get("attrs", {}).get("candidate", "?")
            self.step("candidates", "running", f"candidate {number}" + self._tally(", "))
        elif kind == "span_end" and name == "candidate":
            self._outcomes[str(record.get("attrs", {}).get("outcome", "error"))] += 1
            self.step("candidates", "running", self._tally(""))
        elif kind == "span_start" and name == "publish":
            if self.steps["candidates"].state == "running":
                detail = self.steps["candidates"].detail
                self.steps["candidates"] = self.steps["candidates"].model_copy(
                    update={"state": "done", "detail": detail}
                )
            self.step("publish", "running")

    def _follow_discovery(self, record: dict[str, Any], failed: bool, error: str) -> None:
        """The ``discover`` span and its ``discovery`` event: a step of its own, and the
        ranking shown, so the person sees why each function was picked."""
        if "discover" not in self.steps:  # before the baseline's step
            steps = list(self.steps.items())
            at = list(self.steps).index("baseline")
            steps.insert(at, ("discover", Step(key="discover", title=DISCOVER_TITLE)))
            self.steps = dict(steps)
        kind = record.get("type")
        if kind == "span_start":
            self.step("discover", "running")
        elif kind == "span_end" and failed:
            self.step("discover", "failed", error)
        elif kind == "event":
            self.discovery = Discovery.model_validate(record.get("attrs", {}))
            picked = ", ".join(t.split("::")[-1] for t in self.discovery.targets)
            self.step("discover", "done", f"picked {picked}")

    def _tally(self, lead: str) -> str:
        tried = sum(self._outcomes.values())
        if not tried:
            return ""
        parts = ", ".join(f"{n} {outcome}" for outcome, n in sorted(self._outcomes.items()))
        return f"{lead}{tried} tried ({parts})"

    def finish(self, state: State, verdict: Verdict | None = None, error: str = "") -> None:
        """The last edit: the claim's end state, the result and where to find everything."""
        self.claim = self.claim.model_copy(update={"state": state, "at": datetime.now(UTC)})
        self.verdict = verdict
        failed = state == "failed"
        for key, step in self.steps.items():
            if step.state == "running" or (key == "publish" and not failed):
                new: StepState = "failed" if failed else "done"
            elif step.state == "pending":
                new = "skipped"
            else:
                continue
            detail = step.detail or (error if new == "failed" else "")
            if key == "publish" and not failed:
                published = verdict is not None and verdict.pr_url
                new, detail = ("done", "") if published else ("skipped", "nothing was published")
            self.steps[key] = step.model_copy(update={"state": new, "detail": detail})
        self.result = error
        self.post()

    # -- the comment ---------------------------------------------------------------------------

    def render(self) -> str:
        return render_text(
            "progress.md.j2",
            marker=marker(self.claim),
            claim=self.claim,
            steps=list(self.steps.values()),
            author=self.author,
            links=self.links,
            v=self.verdict,
            error=self.result,
            patch=self.patch,
            isolation=self.isolation,
            units=self.units,
            discovery=self.discovery or (self.verdict.discovery if self.verdict else None),
            pr_word="merge request" if self.forge.name == "gitlab" else "pull request",
        )

    def post(self, *, required: bool = False) -> None:
        """Create the comment, or edit it when what it shows has changed.

        ``required``: the first post is the claim, and a job that cannot comment must stop.
        """
        body = self.redact(self.render())
        if body == self._shown:
            return
        try:
            if self.comment is None:
                self.comment = self.forge.comment(self.thread, body)
            else:
                self.forge.edit_comment(self.thread, self.comment.id, body)
        except CioptError as exc:
            if required:
                raise
            self.problems.append(f"progress comment not updated: {exc}")
            return
        self._shown = body
