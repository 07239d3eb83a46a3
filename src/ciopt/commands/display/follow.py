"""A command's trace as a person follows it: which step runs, each candidate's fate, the
measurement's looks, the budget. Pure: records in, what to tell and the state to show out.

``Follower.feed`` takes each record the tracer writes (already redacted) and returns what
happened in the order to tell it (``Opened``/``Closed`` a group of steps, a ``Told`` line);
``Follower.view`` is the state a live display draws. Both forms (``live``, ``lines``) read them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

__all__ = [
    "STEPS",
    "Closed",
    "Follower",
    "Happening",
    "Opened",
    "Told",
    "View",
    "budget_text",
]

Record = Mapping[str, Any]
State = Literal["running", "done", "failed"]

# the spans that are steps, as a person would name them
STEPS: dict[str, str] = {
    "intake": "take the request",
    "authorize": "check the requester's permission",
    "claim": "claim the request",
    "fetch": "fetch the pull request",
    "request": "read the request",
    "discover": "find the hottest functions",
    "plan": "plan the units",
    "workspace": "prepare the worktrees",
    "baseline.tests": "run the tests",
    "baseline.record": "record the target's calls",
    "baseline.bench": "benchmark the baseline",
    "baseline.profile": "profile the baseline",
    "propose": "ask the model for a change",
    "repair": "ask the model to repair it",
    "candidate.apply": "apply the edits",
    "verify.guard": "check which files changed",
    "verify.tests": "run the tests",
    "verify.replay": "replay the recorded calls",
    "measure": "measure against the baseline",
    "explain": "explain the winner",
    "publish": "publish",
    "gather.collect": "read the units back",
    "gather.combine": "combine the units' winners",
    "gather.publish": "publish",
}
# a step outside any candidate belongs to a group of steps, shown (and folded) together
PHASES: dict[str, str] = {
    "intake": "request",
    "authorize": "request",
    "claim": "request",
    "fetch": "request",
    "request": "request",
    "discover": "discover",
    "plan": "plan",
    "workspace": "baseline",
    "baseline.tests": "baseline",
    "baseline.record": "baseline",
    "baseline.bench": "baseline",
    "baseline.profile": "baseline",
    "verify.guard": "verify",
    "verify.tests": "verify",
    "verify.replay": "verify",
    "measure": "measure",
    "explain": "publish",
    "publish": "publish",
    "gather.collect": "gather",
    "gather.combine": "gather",
    "gather.publish": "gather",
}
PHASE_TITLES = {
    "request": "request",
    "discover": "find targets",
    "plan": "plan",
    "baseline": "baseline",
    "verify": "verify",
    "measure": "measure",
    "publish": "publish",
    "gather": "gather",
}


@dataclass(frozen=True)
class Opened:
    """A group of steps begins (a phase, or a candidate)."""

    key: str  # a short name: baseline, candidate-3
    title: str
    at: datetime


@dataclass(frozen=True)
class Closed:
    key: str
    at: datetime


@dataclass(frozen=True)
class Told:
    """One line to tell. ``text`` may quote untrusted text (model output, request text, errors
    quoting them): each form escapes it. ``kind``: ``step``, ``look``, ``fate``, ``budget``,
    ``note``; a ``fate`` or ``note`` is told outside any group."""

    text: str
    at: datetime
    kind: str


Happening = Opened | Closed | Told


@dataclass
class Row:
    """A phase or a candidate, as the live display lists them."""

    key: str
    title: str
    state: State = "running"
    detail: str = ""  # the last step's, or the fate
    started: float = field(default_factory=time.monotonic)
    seconds: float | None = None  # once finished: the trace's durations of its steps
    spent: float = 0.0  # the durations of its steps so far


@dataclass
class View:
    """What a live display shows now."""

    command: str = ""
    started: float = field(default_factory=time.monotonic)
    context: str = ""  # e.g. the eval's task
    rows: list[Row] = field(default_factory=list)
    doing: str = ""  # the step running now
    doing_since: float = field(default_factory=time.monotonic)
    look: str = ""  # the latest look of the latest measurement
    limits: dict[str, float] = field(default_factory=dict)
    spent: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    isolation: str = ""


class Follower:
    """Follows the records of one or more sessions (a poll, an eval's tasks) in order."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.view = View(started=clock())
        self._group: str | None = None  # the open group's key
        self._steps: list[
            tuple[str, str]
        ] = []  # the steps running (span id, name), outermost first
        self._candidate: Row | None = None
        self._number = 0  # the running candidate's
        self._problem = ""  # the candidate's last step that went wrong, said by its fate
        self._measured = ""  # the candidate's measurement, said by its fate

    # -- records -------------------------------------------------------------------------------

    def feed(self, record: Record) -> list[Happening]:
        kind, name = record.get("type"), str(record.get("name", ""))
        at = _when(record)
        if isinstance(record.get("budget"), Mapping):
            self.view.limits = _numbers(record["budget"].get("limits"))
            self.view.spent = _numbers(record["budget"].get("spent"))
        handler: Callable[[Record, str, datetime], list[Happening]] | None = None
        if kind == "header":
            handler = self._header
        elif name == "candidate":
            handler = {"span_start": self._candidate_start, "span_end": self._fate}.get(str(kind))
        elif name in STEPS:
            handler = {"span_start": self._step_start, "span_end": self._step_end}.get(str(kind))
        elif name == "llm.call":
            handler = self._model_call
        elif kind == "event" and name in self._EVENTS:
            handler = getattr(self, self._EVENTS[name])
        return handler(record, name, at) if handler is not None else []

    def note(self, text: str) -> list[Happening]:
        """A line of the command's own (an eval's task started, ended), told outside groups."""
        at = datetime.now(UTC)
        self.view.context = text
        self._remember(text)
        return [*self.close(at), Told(text, at, "note")]

    def close(self, at: datetime | None = None) -> list[Happening]:
        """The open group closed (the command ends, or something must be seen)."""
        if self._group is None:
            return []
        key, self._group = self._group, None
        return [Closed(key, at or datetime.now(UTC))]

    # -- the parts -----------------------------------------------------------------------------

    def _header(self, record: Record, _name: str, at: datetime) -> list[Happening]:
        told = self.close(at)
        context, notes = self.view.context, self.view.notes
        self.view = View(command=str(record.get("command", "")), started=self.clock())
        self.view.context, self.view.notes = context, notes
        self._steps, self._candidate, self._problem, self._measured = [], None, "", ""
        return [*told, Told(f"ciopt {self.view.command}: started", at, "note")]

    def _open(self, key: str, title: str, at: datetime) -> list[Happening]:
        if self._group == key:
            return []
        told = self.close(at)
        self._group = key
        return [*told, Opened(key, title, at)]

    def _row(self, key: str, title: str) -> Row:
        for row in self.view.rows:
            if row.key == key:
                return row
        row = Row(key=key, title=title, started=self.clock())
        self.view.rows.append(row)
        return row

    def _step_start(self, record: Record, name: str, at: datetime) -> list[Happening]:
        told: list[Happening] = []
        if not self._steps and self._candidate is None:
            phase = PHASES.get(name, name)
            title = PHASE_TITLES.get(phase, phase)
            if phase == "measure" and _attrs(record).get("calibration"):
                title = "A/A measurement"
            told = self._open(phase, title, at)
            row = self._row(phase, title)
            row.state, row.seconds, row.started = "running", None, self.clock() - row.spent
        self._steps.append((str(record.get("span_id", "")), name))
        self._doing(STEPS[name])
        if name == "measure":
            self.view.look = ""
        return told

    def _step_end(self, record: Record, name: str, at: datetime) -> list[Happening]:
        ids = [span_id for span_id, _ in self._steps]
        if (span_id := str(record.get("span_id", ""))) in ids:
            self._steps = self._steps[: ids.index(span_id)]
        failed = record.get("status") == "error"
        detail, bad = describe(name, _attrs(record), str(record.get("error", "")) if failed else "")
        seconds = record.get("duration_s")
        text = STEPS[name] + (f": {detail}" if detail else "")
        if isinstance(seconds, int | float):
            text += f" ({_seconds(float(seconds))})"
        if self._candidate is not None:
            if bad:
                self._problem = detail
            if name == "measure" and not failed:
                self._measured = detail.split(", ", 1)[-1]  # the ratio: the fate says the verdict
            self._candidate.detail = f"{STEPS[name]}: {detail}" if detail else STEPS[name]
        else:
            phase = PHASES.get(name, name)
            row = self._row(phase, PHASE_TITLES.get(phase, phase))
            row.detail = text
            if failed:
                row.state = "failed"
            if not self._steps:
                row.state = "failed" if failed or row.state == "failed" else "done"
                row.spent += float(seconds) if isinstance(seconds, int | float) else 0.0
                row.seconds = row.spent
        if self._steps:  # back to the step it was part of
            self._doing(STEPS[self._steps[-1][1]])
        else:
            self.view.doing = ""
        return [Told(text, at, "step")]

    def _candidate_start(self, record: Record, _name: str, at: datetime) -> list[Happening]:
        number = _attrs(record).get("candidate", "?")
        self._number = number if isinstance(number, int) else 0
        title = self._candidate_title(number)
        for row in self.view.rows:  # the phases before it are done by now
            if row.state == "running" and not row.key.startswith("candidate-"):
                row.state, row.seconds = "done", row.spent
        self._candidate = self._row(f"candidate-{number}", title)
        self._problem = self._measured = ""
        self._steps = []
        return self._open(f"candidate-{number}", title, at)

    def _fate(self, record: Record, _name: str, at: datetime) -> list[Happening]:
        attrs = _attrs(record)
        number = attrs.get("candidate", self._number)
        title = self._candidate_title(number)
        if record.get("status") == "error":
            fate = f"error: {record.get('error', '')}"
        else:
            outcome, reason = attrs.get("outcome", "?"), attrs.get("reason", "?")
            why = self._measured if outcome in ("faster", "slower", "no_change") else ""
            why = why or self._problem or self._measured
            fate = f"{outcome} ({reason})" + (f": {why}" if why else "")
        row = self._candidate or self._row(f"candidate-{number}", title)
        row.state = "failed" if record.get("status") == "error" else "done"
        row.detail = fate
        took = record.get("duration_s")
        row.seconds = float(took) if isinstance(took, int | float) else self.clock() - row.started
        self._candidate, self._steps = None, []
        self.view.doing = ""  # the last look stays in view until the next measurement
        told: list[Happening] = []
        if self.view.limits:
            told.append(Told(f"budget: {budget_text(self.view)}", at, "budget"))
        return [*told, *self.close(at), Told(f"{title}: {fate}", at, "fate")]

    def _candidate_title(self, number: object) -> str:
        of = self.view.limits.get("candidates")
        return f"candidate {number}" + (f" of {of:g}" if of else "")

    def _model_call(self, record: Record, _name: str, at: datetime) -> list[Happening]:
        attrs = _attrs(record)
        attempt = attrs.get("attempt", 1)
        if record.get("type") == "span_start":
            signature = str(attrs.get("signature", "")).replace("_", " ")
            self._doing(f"waiting for the model ({signature}, attempt {attempt})")
            return []
        if record.get("status") == "error":
            error = str(record.get("error", ""))
            return [Told(f"model call failed (attempt {attempt}): {error}", at, "step")]
        return []

    def _look(self, record: Record, _name: str, at: datetime) -> list[Happening]:
        text = look_text(_attrs(record))
        whose = f" ({self._candidate.title})" if self._candidate is not None else ""
        self.view.look = text + whose
        return [Told(f"measure: {text}", at, "look")]

    def _executor(self, record: Record, _name: str, at: datetime) -> list[Happening]:
        attrs = _attrs(record)
        self.view.isolation = str(attrs.get("isolation") or attrs.get("chosen") or "")
        return [Told(f"executor: {self.view.isolation}", at, "step")]

    def _exhausted(self, record: Record, _name: str, at: datetime) -> list[Happening]:
        attrs = _attrs(record)
        return self._seen(
            f"budget: the {attrs.get('limit')} limit is reached "
            f"({_figure(attrs.get('spent'))} of {_figure(attrs.get('allowed'))})",
            at,
        )

    def _stopped(self, record: Record, _name: str, at: datetime) -> list[Happening]:
        attrs = _attrs(record)
        error = attrs.get("error")
        said = f"search stopped ({attrs.get('by')})"
        return self._seen(said + (f": {error}" if error else ""), at)

    def _discovery(self, record: Record, _name: str, at: datetime) -> list[Happening]:
        picked = ", ".join(str(t) for t in _attrs(record).get("targets") or [])
        return [Told(f"targets found: {picked or 'none'}", at, "step")]

    def _unit(self, record: Record, _name: str, at: datetime) -> list[Happening]:
        attrs = _attrs(record)
        targets = ", ".join(str(t) for t in attrs.get("targets") or [])
        return [Told(f"unit {attrs.get('unit')}: {targets}", at, "step")]

    _EVENTS: ClassVar[dict[str, str]] = {  # an event told, and the method telling it
        "measure.look": "_look",
        "executor": "_executor",
        "budget.exhausted": "_exhausted",
        "search.stopped": "_stopped",
        "discovery": "_discovery",
        "unit": "_unit",
    }

    def _seen(self, text: str, at: datetime) -> list[Happening]:
        """A line that matters (a limit reached, an error): remembered, told outside groups."""
        self._remember(text)
        return [*self.close(at), Told(text, at, "note")]

    def _doing(self, what: str) -> None:
        if self._candidate is not None:
            what = f"{self._candidate.title}: {what}"
        self.view.doing, self.view.doing_since = what, self.clock()

    def _remember(self, text: str) -> None:
        self.view.notes = [*self.view.notes, text][-3:]


# -- what each step found, in a few words --------------------------------------------------------


def describe(name: str, attrs: Mapping[str, Any], error: str) -> tuple[str, bool]:
    """A step's result in a few words, and whether it went wrong (a failed step, a candidate's
    edit that did not apply, tests that broke)."""
    if error:
        return error, True
    said = _DESCRIBE.get(name)
    if said is None:
        return "", False
    try:
        return said(attrs)
    except (TypeError, ValueError, AttributeError, KeyError, IndexError):
        return "", False  # an attribute of another shape: say nothing rather than fail


def _request(a: Mapping[str, Any]) -> tuple[str, bool]:
    asked = a.get("request") or {}
    targets = ", ".join(asked.get("targets") or []) or "none named (found by profiling)"
    bench = ", ".join(asked.get("bench") or [])
    return f"target {targets}" + (f"; bench {bench}" if bench else ""), False


def _authorize(a: Mapping[str, Any]) -> tuple[str, bool]:
    allowed = bool(a.get("allowed"))
    return f"{'allowed' if allowed else 'not allowed'} ({a.get('role')})", not allowed


def _claim(a: Mapping[str, Any]) -> tuple[str, bool]:
    if a.get("claimed") is False:
        return "another job holds it", True
    return "claimed", False


def _workspace(a: Mapping[str, Any]) -> tuple[str, bool]:
    base, head = str(a.get("base") or ""), str(a.get("head") or "")
    if head and head != base:
        return f"base {base[:12]}, head {head[:12]}", False
    return (f"base {base[:12]}" if base else ""), False


def _tests(a: Mapping[str, Any]) -> tuple[str, bool]:
    broken = a.get("broken") or []
    if broken:
        return f"{len(broken)} test(s) broke", True
    failed = int(a.get("failed") or 0)
    return f"{a.get('passed', 0)} passed, {failed} failed", failed > 0


def _record(a: Mapping[str, Any]) -> tuple[str, bool]:
    calls = a.get("functions") or {}
    return f"{sum(int(n) for n in calls.values())} call(s) of {len(calls)} function(s)", False


def _bench(a: Mapping[str, Any]) -> tuple[str, bool]:
    medians = a.get("medians") or {}
    if len(medians) == 1:
        return f"median {_duration(float(next(iter(medians.values()))))}", False
    return f"{len(medians)} benchmarks", False


def _profile(a: Mapping[str, Any]) -> tuple[str, bool]:
    hot = a.get("hot") or []
    if not hot:
        return "", False
    top = hot[0]
    return f"hottest: {top.get('function')} ({top.get('file')})", False


def _propose(a: Mapping[str, Any]) -> tuple[str, bool]:
    if a.get("decoded") is False:
        return f"no usable reply: {a.get('error', '')}", True
    return f"{a.get('edits', 0)} edit(s)", False


def _apply(a: Mapping[str, Any]) -> tuple[str, bool]:
    if a.get("applied") is False:
        return str(a.get("error") or "not applied"), True
    return "applied", False


def _guard(a: Mapping[str, Any]) -> tuple[str, bool]:
    violations = a.get("violations") or []
    if violations:
        return f"not allowed to change: {', '.join(map(str, violations))}", True
    return f"changed {', '.join(map(str, a.get('changed_files') or [])) or 'nothing'}", False


def _replay(a: Mapping[str, Any]) -> tuple[str, bool]:
    mismatches = int(a.get("mismatches") or 0)
    if mismatches:
        return f"{mismatches} call(s) behave differently", True
    calls, made = a.get("calls_compared", 0), a.get("generated_compared", 0)
    return f"{calls} recorded call(s) and {made} generated input(s) agree", False


def _measure(a: Mapping[str, Any]) -> tuple[str, bool]:
    ratio = a.get("ratio")
    if ratio is None:
        return str(a.get("verdict") or ""), False
    return f"{a.get('verdict')}, ratio {_interval(ratio, a.get('ci'))}", False


def _explain(a: Mapping[str, Any]) -> tuple[str, bool]:
    if a.get("explained") is False:
        return f"not explained: {a.get('error', '')}", False
    return str(a.get("title") or ""), False


def _publish(a: Mapping[str, Any]) -> tuple[str, bool]:
    where = a.get("url") or a.get("branch")
    return (f"{a.get('branch')} ({where})" if where else "nothing published"), False


def _discover(a: Mapping[str, Any]) -> tuple[str, bool]:
    tests = a.get("tests")
    return (f"{tests} benchmark test(s) profiled" if tests is not None else ""), False


def _plan(a: Mapping[str, Any]) -> tuple[str, bool]:
    return f"{len(a.get('units') or [])} unit(s)", False


def _collect(a: Mapping[str, Any]) -> tuple[str, bool]:
    states = a.get("states") or {}
    done = sum(state == "done" for state in states.values())
    return f"{done} of {len(states)} unit(s) done", done < len(states)


_DESCRIBE: dict[str, Callable[[Mapping[str, Any]], tuple[str, bool]]] = {
    "request": _request,
    "authorize": _authorize,
    "claim": _claim,
    "workspace": _workspace,
    "baseline.tests": _tests,
    "verify.tests": _tests,
    "baseline.record": _record,
    "baseline.bench": _bench,
    "baseline.profile": _profile,
    "propose": _propose,
    "repair": _propose,
    "candidate.apply": _apply,
    "verify.guard": _guard,
    "verify.replay": _replay,
    "measure": _measure,
    "explain": _explain,
    "publish": _publish,
    "gather.publish": _publish,
    "discover": _discover,
    "plan": _plan,
    "gather.collect": _collect,
}


def look_text(a: Mapping[str, Any]) -> str:
    """A look at the measurement: how far, the ratio so far and its interval, the verdict."""
    share = float(a.get("fraction") or 0)
    ratio = a.get("ratio")
    said = f"{a.get('rounds')} rounds, {share:.2f} of the time budget"  # no % sign in a log line
    if ratio is not None:
        said += f", ratio {_interval(ratio, a.get('ci'))}"
    return f"{said}: {a.get('verdict')}"


def budget_text(view: View) -> str:
    """What has been spent against each limit that is set, the ones people watch first."""
    limits, spent = view.limits, view.spent
    parts = []
    for key, label, shown in (
        ("llm_calls", "model calls", _count),
        ("cost_usd", "cost", _usd),
        ("output_tokens", "reply tokens", _count),
        ("bench_seconds", "benchmarking", _clock),
        ("wall_seconds", "wall", _clock),
    ):
        if key in limits:
            parts.append(f"{label} {shown(spent.get(key, 0.0))}/{shown(limits[key])}")
    return ", ".join(parts)


# -- small formats -------------------------------------------------------------------------------


def _interval(ratio: Any, ci: Any) -> str:
    said = f"{float(ratio):.3g}"
    if isinstance(ci, list | tuple) and len(ci) == 2:
        said += f" ({float(ci[0]):.3g}-{float(ci[1]):.3g})"
    return said


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.3g} us"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.3g} s"


def _seconds(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 60 else _clock(seconds)


def _clock(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _count(n: float) -> str:
    return f"{n:,.0f}"


def _usd(n: float) -> str:
    return f"${n:.2f}"


def _figure(value: Any) -> str:
    return f"{value:g}" if isinstance(value, int | float) else str(value)


def _numbers(value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        return {}
    return {str(k): float(v) for k, v in value.items() if isinstance(v, int | float)}


def _attrs(record: Record) -> Mapping[str, Any]:
    attrs = record.get("attrs")
    return attrs if isinstance(attrs, Mapping) else {}


def _when(record: Record) -> datetime:
    try:
        return datetime.fromisoformat(str(record["ts"]))
    except (KeyError, ValueError):
        return datetime.now(UTC)
