"""Reading ``trace.jsonl`` back: spans joined, candidates, model calls, budget and outcome.

Tolerant by design: a crash leaves spans that never ended and may cut the last line short, and
older traces lack attributes that newer ones carry. Nothing here raises on a missing attribute.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from ciopt.errors import ConfigError

__all__ = [
    "Attempt",
    "Block",
    "BudgetRow",
    "Candidate",
    "LookView",
    "MeasureView",
    "Predict",
    "SpanView",
    "TraceFile",
    "read_trace",
]

Record = dict[str, Any]
# an attempt's attributes that are not its facts: shown once for the call, or as its content
_CALL_KEYS = ("signature", "policy", "model", "attempt", "decoded")
_CONTENT_KEYS = ("response", "repair_prompt", "messages")
_NOT_FACTS = frozenset(("n", "outcome", *_CALL_KEYS, *_CONTENT_KEYS))


@dataclass
class SpanView:
    """A span's start and end joined; ``ended`` is False when the run stopped inside it."""

    span_id: str
    name: str
    parent_id: str | None
    offset_s: float  # seconds from the trace's header
    attrs: dict[str, Any]  # the start's attributes, the end's over them
    ended: bool = False
    status: str = "unfinished"  # ok | error | unfinished
    duration_s: float | None = None
    error: str | None = None
    depth: int = 0
    children: list[SpanView] = field(default_factory=list)

    @property
    def label(self) -> str:
        number = self.attrs.get("candidate")
        return f"candidate {number}" if self.name == "candidate" and number else self.name


@dataclass(frozen=True)
class Candidate:
    number: Any
    outcome: str
    reason: str
    ratio: float | None
    span: SpanView


@dataclass(frozen=True)
class LookView:
    """One look at a measurement: after ``rounds`` rounds, the ratio and its interval then
    (absent from traces older than the looks' intervals, but for the last look)."""

    rounds: int
    alpha: float | None
    verdict: str
    ratio: float | None
    ci: tuple[float, float] | None


@dataclass(frozen=True)
class MeasureView:
    """A ``measure`` span: its per-round ratios (``measure.round`` events), looks and band."""

    span: SpanView
    rounds: list[float | None]  # each round's head/base ratio, in order; None: not known
    looks: list[LookView]
    min_effect: float | None  # the overall verdict's (asked, or the noise floor if larger)

    @property
    def label(self) -> str:
        number = self.span.attrs.get("candidate")
        if number is not None:
            return f"candidate {number}"
        return "the baseline against itself" if self.span.attrs.get("calibration") else "head"

    @property
    def verdict(self) -> str:
        return str(self.span.attrs.get("verdict") or self.span.status)


@dataclass(frozen=True)
class BudgetRow:
    counter: str
    spent: float | None
    limit: float | None

    @property
    def fraction(self) -> float | None:
        if self.spent is None or self.limit is None:
            return None
        return self.spent / self.limit if self.limit > 0 else float(self.spent > 0)


@dataclass(frozen=True)
class Block:
    """One block of a prompt's IR, its text resolved from its blob when it has one."""

    kind: str
    name: str
    text: str | None
    blob: str | None
    size: int | None
    fence: str
    answer: str | None


@dataclass(frozen=True)
class Attempt:
    """One model call of a ``predict``: its receipt entry joined with its ``llm.call`` span."""

    n: int
    outcome: str
    facts: dict[str, Any]  # tokens, cost, latency, hashes, error: whatever was recorded
    response: str | None
    repair_prompt: str | None


@dataclass
class Predict:
    """A ``predict`` span and its ``llm.call`` children; a lone ``llm.call`` in older traces."""

    span: SpanView
    calls: list[SpanView]
    blobs: dict[str, str]

    @property
    def receipt(self) -> dict[str, Any]:
        return _dict(self.span.attrs.get("receipt"))

    def get(self, key: str) -> Any:
        for source in (self.receipt, self.span.attrs, *(c.attrs for c in self.calls)):
            if source.get(key) is not None:
                return source[key]
        return None

    def total(self, key: str) -> float | None:
        given = _number(self.receipt.get(key))
        if given is not None:
            return given
        values = [v for c in self.calls if (v := _number(c.attrs.get(key))) is not None]
        return sum(values) if values else None

    @property
    def outcome(self) -> str:
        if self.receipt.get("outcome"):
            return str(self.receipt["outcome"])
        decoded = [c.attrs.get("decoded") for c in self.calls]
        if self.span.status != "ok":
            return self.span.status
        return "invalid" if decoded and decoded[-1] is False else "ok"

    @property
    def attempts(self) -> list[Attempt]:
        listed = [_dict(a) for a in _list(self.receipt.get("attempts"))]
        by_n = {_number(c.attrs.get("attempt")) or i + 1: c for i, c in enumerate(self.calls)}
        rows = []
        for i in range(max(len(listed), len(self.calls))):
            entry = listed[i] if i < len(listed) else {}
            n = int(_number(entry.get("n")) or i + 1)
            call = by_n.get(n)
            attrs = {**(call.attrs if call else {}), **entry}
            if attrs.get("outcome"):
                outcome = str(attrs["outcome"])
            elif isinstance(attrs.get("decoded"), bool):
                outcome = "decoded" if attrs["decoded"] else "invalid"
            else:
                outcome = call.status if call else "?"
            response, repair = _text(attrs.get("response")), _text(attrs.get("repair_prompt"))
            facts = {k: v for k, v in attrs.items() if k not in _NOT_FACTS}
            rows.append(Attempt(n, outcome, facts, response, repair))
        return rows

    @property
    def blocks(self) -> list[Block]:
        ir = _dict(self.span.attrs.get("ir"))
        if not ir and self.calls:  # older traces: the chat messages themselves
            messages = _list(self.calls[0].attrs.get("messages"))
            return [
                Block(str(m.get("role", "?")), "", _text(m.get("content")), None, None, "", None)
                for m in map(_dict, messages)
            ]
        rows = []
        for b in map(_dict, _list(ir.get("blocks"))):
            blob = _text(b.get("blob"))
            text = _text(b.get("text"))
            text = self.blobs.get(blob) if text is None and blob else text
            kind, name, fence = str(b.get("kind", "?")), str(b.get("name") or ""), b.get("fence")
            size = len(text) if text is not None else None
            answer = _text(b.get("answer"))
            rows.append(Block(kind, name, text, blob, size, str(fence or ""), answer))
        return rows


@dataclass
class TraceFile:
    path: Path
    header: Record
    records: list[Record]  # every record that parsed, the header first
    skipped: int = 0  # lines that did not parse (a crash cuts the last one short)

    @cached_property
    def blobs(self) -> dict[str, str]:
        """sha256 -> the text of each ``blob`` record."""
        return {
            str(r["sha256"]): str(r.get("text") or "") for r in self._of("blob") if r.get("sha256")
        }

    @property
    def capture(self) -> str:
        """``full``, ``hashed`` or ``none``; ``unknown`` for traces older than the setting."""
        return str(self.header.get("content_capture") or "unknown")

    @property
    def content_captured(self) -> bool:
        """Whether prompts and responses may be shown: only when the run captured them."""
        return self.capture not in ("hashed", "none")

    @property
    def duration_s(self) -> float:
        """From the header to the last record, or to the end of the last span if later."""
        ends = [s.offset_s + (s.duration_s or 0.0) for s in self.spans]
        return max([self.offset(self.records[-1]), *ends])

    @cached_property
    def span_index(self) -> dict[str, SpanView]:
        spans: dict[str, SpanView] = {}
        for rec in self.records:
            sid = str(rec.get("span_id") or "")
            if rec.get("type") == "span_start" and sid:
                parent = rec.get("parent_id")
                spans[sid] = SpanView(
                    sid,
                    str(rec.get("name", "?")),
                    str(parent) if parent else None,
                    _offset(rec, self._t0),
                    dict(_dict(rec.get("attrs"))),
                )
            elif rec.get("type") == "span_end" and sid in spans:
                span = spans[sid]
                span.attrs.update(_dict(rec.get("attrs")))
                span.ended, span.status = True, str(rec.get("status") or "ok")
                span.duration_s = _number(rec.get("duration_s"))
                span.error = _text(rec.get("error"))
        for span in spans.values():  # in start order: a parent always comes before its children
            parent = spans.get(span.parent_id or "")
            if parent is not None:
                parent.children.append(span)
                span.depth = parent.depth + 1
        return spans

    @property
    def spans(self) -> list[SpanView]:
        return list(self.span_index.values())

    @property
    def roots(self) -> list[SpanView]:
        return [s for s in self.spans if s.parent_id not in self.span_index]

    @property
    def unfinished(self) -> list[SpanView]:
        return [s for s in self.spans if not s.ended]

    def tree(self) -> list[SpanView]:
        """Every span, depth first: each followed by its children."""
        order: list[SpanView] = []
        stack = list(reversed(self.roots))
        while stack:
            span = stack.pop()
            order.append(span)
            stack.extend(reversed(span.children))
        return order

    @property
    def budget(self) -> list[BudgetRow]:
        """Spent against the limit for each counter, from the last snapshot in the trace."""
        snaps = [_dict(r.get("budget")) for r in self._of("span_end") if r.get("budget")]
        last = snaps[-1] if snaps else {}
        spent, limits = _dict(last.get("spent")), _dict(last.get("limits"))
        names = list(spent) + [k for k in limits if k not in spent]
        return [BudgetRow(k, _number(spent.get(k)), _number(limits.get(k))) for k in names]

    @property
    def candidates(self) -> list[Candidate]:
        rows = []
        for s in self.spans:
            if s.name == "candidate":
                outcome = s.attrs.get("outcome") or ("unfinished" if not s.ended else s.status)
                reason = s.attrs.get("reason") or s.error or ""
                ratio = _number(s.attrs.get("ratio"))
                rows.append(
                    Candidate(s.attrs.get("candidate"), str(outcome), str(reason), ratio, s)
                )
        return rows

    @property
    def measures(self) -> list[MeasureView]:
        """Each ``measure`` span with the rounds recorded inside it, in start order."""
        inside: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for e in self.events:
            key = (str(e.get("name")), str(e.get("parent_id") or ""))
            inside.setdefault(key, []).append(_dict(e.get("attrs")))
        rows = []
        for s in self.spans:
            if s.name != "measure":
                continue
            ratios = [_round_ratio(a) for a in inside.get(("measure.round", s.span_id), [])]
            # the span's looks when it ended, else each ``measure.look`` as it was made
            made = _list(s.attrs.get("looks")) or inside.get(("measure.look", s.span_id), [])
            looks = [_look(_dict(x)) for x in made]
            if looks and looks[-1].ci is None:  # an older trace: the span's interval is the last
                ci = _pair(s.attrs.get("ci"))
                ratio = _number(s.attrs.get("ratio"))
                looks[-1] = LookView(
                    looks[-1].rounds, looks[-1].alpha, looks[-1].verdict, ratio, ci
                )
            rows.append(MeasureView(s, ratios, looks, _number(s.attrs.get("min_effect"))))
        return rows

    @property
    def predicts(self) -> list[Predict]:
        rows = []
        for s in self.spans:
            if s.name == "predict":
                calls = [c for c in s.children if c.name == "llm.call"]
                rows.append(Predict(s, calls, self.blobs))
            elif s.name == "llm.call" and self._parent_name(s) != "predict":
                rows.append(Predict(s, [s], self.blobs))
        return rows

    @property
    def events(self) -> list[Record]:
        return self._of("event")

    @property
    def stop(self) -> dict[str, Any] | None:
        """The ``budget.exhausted`` event's attributes (limit, spent, allowed), if any."""
        found = [_dict(e.get("attrs")) for e in self.events if e.get("name") == "budget.exhausted"]
        return found[-1] if found else None

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [_dict(e.get("attrs")) for e in self.events if e.get("name") == "run.error"]

    @property
    def verdict(self) -> tuple[str, str] | None:
        """(verdict, reason) from ``publish``, else ("error", the error) from ``run.error``."""
        for s in reversed(self.spans):
            if s.name == "publish" and s.attrs.get("verdict"):
                return str(s.attrs["verdict"]), str(s.attrs.get("reason") or "")
        if self.errors:
            return "error", str(self.errors[-1].get("error") or "unknown error")
        return None

    def offset(self, record: Record) -> float:
        """Seconds from the header to ``record``."""
        return _offset(record, self._t0)

    def _parent_name(self, span: SpanView) -> str | None:
        parent = self.span_index.get(span.parent_id or "")
        return parent.name if parent else None

    def _of(self, kind: str) -> list[Record]:
        return [r for r in self.records if r.get("type") == kind]

    @cached_property
    def _t0(self) -> datetime | None:
        return _when(self.header)


def read_trace(path: Path) -> TraceFile:
    """Parse ``trace.jsonl``; lines that do not parse (a crash's last line) are skipped."""
    if not path.is_file():
        raise ConfigError(f"no trace at {path}; pass the trace.jsonl from a ciopt output folder")
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise ConfigError(f"cannot read {path} ({exc.strerror}); check its permissions") from exc
    records: list[Record] = []
    skipped = 0
    for line in text.splitlines():
        try:
            record = json.loads(line)
        except ValueError:
            skipped += 1 if line.strip() else 0
            continue
        if isinstance(record, dict):
            records.append(record)
    if not records or records[0].get("type") != "header":
        raise ConfigError(
            f"{path} is not a ciopt trace (no header line); give the trace.jsonl that ciopt wrote"
        )
    return TraceFile(path, records[0], records, skipped)


def _when(record: Record) -> datetime | None:
    try:
        return datetime.fromisoformat(str(record.get("ts")))
    except ValueError:
        return None


def _offset(record: Record, t0: datetime | None) -> float:
    when = _when(record)
    try:
        return max((when - t0).total_seconds(), 0.0) if when and t0 else 0.0
    except TypeError:  # one time with a zone, one without
        return 0.0


def _round_ratio(attrs: dict[str, Any]) -> float | None:
    """A round's ratio: recorded, or (older traces) the geometric mean of its medians' ratios."""
    given = _number(attrs.get("ratio"))
    if given is not None:
        return given
    medians = _dict(attrs.get("medians"))
    logs = []
    for key, head in medians.items():
        side, _, name = str(key).partition(":")
        base = _number(medians.get(f"base:{name}"))
        head_s = _number(head)
        if side == "head" and base and head_s and base > 0 and head_s > 0:
            logs.append(math.log(head_s / base))
    return math.exp(sum(logs) / len(logs)) if logs else None


def _look(attrs: dict[str, Any]) -> LookView:
    rounds = _number(attrs.get("rounds"))
    return LookView(
        int(rounds or 0),
        _number(attrs.get("alpha")),
        str(attrs.get("verdict") or "?"),
        _number(attrs.get("ratio")),
        _pair(attrs.get("ci")),
    )


def _pair(value: Any) -> tuple[float, float] | None:
    items = _list(value)
    if len(items) != 2:
        return None
    low, high = _number(items[0]), _number(items[1])
    return (low, high) if low is not None and high is not None else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
