"""Differential replay: the baseline's real calls, and generated ones, through both versions.

1. ``record``: the baseline's tests and benchmarks run once with ``ciopt_record``, which keeps the
   calls to every function a candidate may change.
2. For each function a candidate changed (or the request names), inputs are generated from its
   type hints, or else from the shapes of its recorded calls (``inputs``), and the baseline
   replays all its calls twice: a call whose two replays differ, or whose replay differs from
   what the recording saw, is unstable, and only stable calls are compared. Baseline replays
   are kept for the next candidate.
3. The candidate replays the same calls in its own worktree and interpreter; return values,
   exceptions and the arguments after the call are compared by ``compare.difference``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ciopt.client import Client, locate
from ciopt.inject import INJECT_DIR
from ciopt.verdict import Differential, Mismatch, TargetEvidence
from ciopt.verify.astdiff import (
    callable_functions,
    changed_functions,
    shared_state_changed,
)
from ciopt.verify.cache import RecordingCache, worktree_state
from ciopt.verify.equality import EXACT, Incomparable, Tolerance, difference, show
from ciopt.verify.inputs import InputBudget, Source, prepare_inputs
from ciopt.verify.recording import Recorded, load_calls, record_calls
from ciopt.verify.shapes import tally, too_few

__all__ = ["Function", "Options", "Replayer", "changed_between", "functions_in"]

Line = dict[str, Any]
Replays = dict[str, dict[str, Line]]  # target -> call id -> outcome


@dataclass(frozen=True)
class Function:
    """A function calls can be recorded for and replayed: ``module:qualname`` in ``path``."""

    path: str
    qualname: str
    module: str

    @property
    def key(self) -> str:
        return f"{self.module}:{self.qualname}"

    @property
    def spec(self) -> str:
        return f"{self.path}::{self.qualname}"


@dataclass(frozen=True)
class Options:
    tolerance: Tolerance = EXACT
    call_timeout: float = 5.0  # seconds per replayed call on the baseline (twice on candidates)
    replay_budget: float = 120.0  # seconds for all the calls of one replay process
    examples: int = 50  # generated inputs per function
    generate_seconds: float = 10.0
    min_calls: int = 5  # recorded calls per function below which evidence is low
    min_shapes: int = 3  # distinct input shapes compared equal, below which evidence is low
    max_calls: int = 100  # recorded per function
    max_bytes: int = 4_000_000
    timeout: float = 900.0  # one recording or replay process
    cache_dir: Path | None = None  # where recordings are kept between runs (None: not kept)
    seed: int = 0


def functions_in(root: Path, paths: Sequence[str]) -> list[Function]:
    """Every function and method in ``paths`` that can be called from outside its module."""
    found = []
    for path in paths:
        file = root / path
        if not path.endswith(".py") or not file.is_file():
            continue
        try:
            names = callable_functions(file.read_text())
        except (SyntaxError, ValueError):
            continue
        module, _ = locate(root, path)
        found += [Function(path, q, module) for q in names]
    return found


def changed_between(
    base: Path, head: Path, paths: Sequence[str]
) -> tuple[list[Function], list[Function]]:
    """The functions that differ between two trees (by AST), as the functions enclosing them;
    and the other functions of files whose shared state (constants, class attributes) changed,
    which the change may alter without touching them.

    Functions only ``head`` has are left out: nothing calls them but changed code.
    """
    found: dict[str, Function] = {}
    affected: dict[str, Function] = {}
    for path in paths:
        if not path.endswith(".py"):
            continue
        old, new = _read(base / path), _read(head / path)
        module, _ = locate(base if old is not None else head, path)
        for change in changed_functions(path, old, new):
            if change.kind != "added":
                fn = Function(path, change.recordable, module)
                found.setdefault(fn.key, fn)
        if old is not None and shared_state_changed(old, new):
            for fn in functions_in(base, [path]):
                affected.setdefault(fn.key, fn)
    return list(found.values()), [fn for key, fn in affected.items() if key not in found]


class Replayer:
    """Differential replay against one baseline worktree; its replays are reused."""

    def __init__(self, client: Client, base: Path, work: Path, options: Options) -> None:
        self.client = client
        self.base = base
        self.work = work
        self.options = options
        self.recorded: dict[str, Recorded] = {}
        self.bench: tuple[str, ...] = ()
        self.cached: str | None = None  # the cache key of a recording reused
        self._bench_seen: dict[str, int] = {}  # path::qualname -> the benchmarks' calls seen
        self.generated: dict[str, tuple[Path, Recorded | None, str | None]] = {}
        self.generated_from: dict[str, Source | None] = {}
        self._baseline: dict[str, tuple[dict[str, Line], dict[str, Line]]] = {}
        work.mkdir(parents=True, exist_ok=True)

    @property
    def recording(self) -> Path:
        return self.work / "recording.pkl"

    def record(
        self,
        selectors: Sequence[str],
        fns: Sequence[Function],
        bench: Sequence[str] = (),
    ) -> dict[str, Recorded]:
        """Record calls to ``fns`` while the baseline's ``selectors`` run; with ``bench`` (the
        benchmarks' selectors), every changed function must be reached by a benchmark's call.
        A recording of the same baseline and settings in ``cache_dir`` is reused (``cached``)."""
        self.bench = tuple(bench)
        keys = [fn.key for fn in fns]
        o = self.options
        cache = RecordingCache(o.cache_dir) if o.cache_dir else None
        key = cache.key({
            "baseline": worktree_state(self.base, self.client.python),
            "selectors": list(selectors), "bench": list(bench), "functions": keys,
            "max_calls": o.max_calls, "max_bytes": o.max_bytes, "timeout": o.timeout,
        }) if cache else None  # fmt: skip
        self.cached = key if cache and key and cache.fetch(key, self.recording) else None
        if self.cached:
            self.recorded = load_calls(self.recording)
            return self.recorded
        self.recorded = record_calls(
            self.client,
            self.base,
            selectors,
            keys,
            bench=bench,
            out=self.recording,
            probe_out=self.work / "recording.probe.json",
            timeout=o.timeout,
            max_calls=o.max_calls,
            max_bytes=o.max_bytes,
        )
        if cache and key:
            cache.store(key, self.recording)
        return self.recorded

    def check(
        self,
        head: Path,
        fns: Sequence[Function],
        label: str,
        also: Sequence[Function] = (),
    ) -> Differential:
        """Replay every call of ``fns`` and ``also`` on ``head`` and compare it with the
        baseline's. Only ``fns`` (the changed functions) are held to the evidence floor."""
        floor = {fn.key for fn in fns}
        fns = [*fns, *also]
        for fn in fns:
            self._prepare(fn)
        missing = [fn for fn in fns if fn.key not in self._baseline]
        if missing:
            first, second = self._twice(self.base, missing, "base", self.options.call_timeout)
            for fn in missing:
                self._baseline[fn.key] = (first.get(fn.key, {}), second.get(fn.key, {}))
        theirs = self._twice(head, fns, label, 2 * self.options.call_timeout)
        result = Differential()
        for fn in fns:
            evidence, mismatches = self._judge(
                fn, (theirs[0].get(fn.key, {}), theirs[1].get(fn.key, {}))
            )
            evidence.required = fn.key in floor
            result.targets.append(evidence)
            result.examples += mismatches[: max(0, 5 - len(result.examples))]
        _total(result)
        return result

    def low_evidence(self, result: Differential) -> list[str]:
        """Why the evidence behind ``result`` is below the floor (empty when it is not)."""
        floor, shapes = self.options.min_calls, self.options.min_shapes
        return [
            f"{t.target}: {t.calls_equal} recorded call(s) compared equal (the floor is {floor})"
            for t in result.targets
            if t.required and t.calls_equal < floor
        ] + [
            why
            for t in result.targets
            if t.required
            for why in (too_few(t, shapes), self._unbenched(t))
            if why
        ]

    def _unbenched(self, t: TargetEvidence) -> str | None:
        """Why the benchmark's own inputs do not stand behind ``t``, if they do not."""
        if not self.bench or t.bench_equal:
            return None
        seen = self._bench_seen.get(t.target, 0)
        if not seen:
            why = "the benchmark never called it (through a call the recorder sees)"
        elif not t.recorded_bench:
            why = f"none of the benchmark's {seen} call(s) could be recorded"
        else:
            why = f"none of the benchmark's {t.recorded_bench} recorded call(s) compared equal"
        return f"{t.target}: {why}, so the speedup is not proven on the benchmark's own inputs"

    # -- steps ---------------------------------------------------------------------------------

    def _prepare(self, fn: Function) -> None:
        if fn.key in self.generated:
            return
        dest = self.work / f"generated-{re.sub(r'[^A-Za-z0-9_.]+', '_', fn.key)}.pkl"
        budget = InputBudget(
            self.options.examples,
            self.options.generate_seconds,
            self.options.seed,
            self.options.timeout,
        )
        made = prepare_inputs(
            self.client,
            self.base,
            dest,
            key=fn.key,
            path=fn.path,
            qualname=fn.qualname,
            recorded=self.recorded.get(fn.key),
            recording=self.recording,
            budget=budget,
        )
        self.generated[fn.key] = (dest, made.calls, made.note)
        self.generated_from[fn.key] = made.source

    def _twice(
        self, root: Path, fns: Sequence[Function], label: str, call_timeout: float
    ) -> tuple[Replays, Replays]:
        """Two replays, under hash seeds 0 and 1: what depends on set or dict-of-str order
        differs between them (a baseline's is unstable; a candidate's mismatches).

        Calls that timed out on the baseline are not run again: they cannot be compared.
        """
        slow = self.work / "timed-out.txt"
        first = self._replay(root, fns, f"{label}-1", call_timeout, hashseed=0, skip=slow)
        if root == self.base:
            ids = {
                f"{key}/{call}"
                for key, lines in first.items()
                for call, line in lines.items()
                if line["outcome"] == "timeout"
            }
            known = set(slow.read_text().split()) if slow.is_file() else set()
            slow.write_text("\n".join(sorted(known | ids)) + "\n")
        second = self._replay(root, fns, f"{label}-2", call_timeout, hashseed=1, skip=slow)
        return first, second

    def _replay(
        self,
        root: Path,
        fns: Sequence[Function],
        label: str,
        call_timeout: float,
        *,
        hashseed: int,
        skip: Path,
    ) -> Replays:
        keys = [fn.key for fn in fns]
        calls = [f"rec={self.recording}"] if any(k in self.recorded for k in keys) else []
        calls += [f"gen={self.generated[k][0]}" for k in keys if self.generated[k][1] is not None]
        if not calls:
            return {}
        out = self.work / f"replay-{label}.jsonl"
        self.client.run(
            root,
            [
                str(INJECT_DIR / "ciopt_replay.py"),
                str(out),
                *(f"--calls={c}" for c in calls),
                *(f"--only={k}" for k in keys),
                f"--timeout={call_timeout:g}",
                f"--seed={self.options.seed}",
                f"--budget={self.options.replay_budget:g}",
                *([f"--skip={skip}"] if skip.is_file() else []),
            ],
            timeout=self.options.timeout,
            PYTHONHASHSEED=str(hashseed),
        )
        lines: Replays = {}
        if out.is_file():
            for text in out.read_text().splitlines():
                try:
                    line = json.loads(text)
                except ValueError:  # the last line of a replay that died while writing
                    continue
                lines.setdefault(line["target"], {})[line["id"]] = line
        return lines

    def _judge(
        self, fn: Function, theirs: tuple[dict[str, Line], dict[str, Line]]
    ) -> tuple[TargetEvidence, list[Mismatch]]:
        first, second = self._baseline[fn.key]
        recorded = self.recorded.get(fn.key)
        _, gen, gen_note = self.generated[fn.key]
        evidence = TargetEvidence(
            target=fn.spec,
            recorded=len(recorded.calls) if recorded else 0,
            recorded_bench=sum(bool(c.get("bench")) for c in recorded.calls) if recorded else 0,
            generated=len(gen.calls) if gen else 0,
            generated_note=gen_note,
            generated_from=self.generated_from.get(fn.key),
        )
        self._bench_seen[fn.spec] = recorded.counts.get("bench_seen", 0) if recorded else 0
        equal_shapes: list[object] = []  # of the calls compared equal
        skipped: Counter[str] = Counter()
        if recorded:
            counts = recorded.counts
            skipped.update({k: counts[k] for k in ("unpicklable", "too_large") if counts.get(k)})
            if recorded.error:
                skipped["not_recordable"] += 1
        mismatches = []
        for call_id, base in first.items():
            source, number = call_id.split(":")
            before = (recorded if source == "rec" else gen) or Recorded(fn.key)
            seen = before.calls[int(number)] if int(number) < len(before.calls) else {}
            verdict = _unusable(base, second.get(call_id), seen) or _verdict(
                (base, theirs[0].get(call_id)),
                (second[call_id], theirs[1].get(call_id)),
                tolerance=self.options.tolerance,
            )
            if verdict is not None and verdict.startswith("skip:"):
                reason = verdict.removeprefix("skip:")
                if reason == "unstable":
                    evidence.unstable += 1
                else:
                    skipped[reason] += 1
                continue
            if verdict is None:
                equal_shapes.append(seen.get("shape"))
            if source == "rec":
                evidence.calls_compared += 1
                evidence.calls_equal += verdict is None
                evidence.bench_equal += verdict is None and bool(seen.get("bench"))
            else:
                evidence.generated_compared += 1
                evidence.generated_equal += verdict is None
            if verdict is not None:
                evidence.mismatches += 1
                mismatches.append(
                    Mismatch(
                        target=fn.spec,
                        call=call_id,
                        input=str(seen.get("repr", "(...)")),
                        difference=verdict,
                    )
                )
        evidence.skipped = dict(skipped)
        evidence.nondeterministic = evidence.unstable > 0
        names, evidence.input_shapes_possible = tally(equal_shapes)
        evidence.input_shapes, evidence.input_shape_names = len(names), names[:5]
        return evidence, mismatches


def _verdict(*pairs: tuple[Line, Line | None], tolerance: Tolerance) -> str | None:
    """None when each candidate replay matched the baseline's under the same hash seed;
    ``skip:incomparable`` when a value cannot be compared; else the first difference."""
    for seed, (base, head) in enumerate(pairs):
        under = f" (under hash seed {seed})" if seed else ""
        if head is not None and head["outcome"] == "budget":
            return "skip:replay_budget"
        if head is None:
            return f"the candidate's replay stopped before this call{under}: it crashed"
        if head["outcome"] != base["outcome"]:
            return f"{_outcome(base)}; the candidate {_outcome(head)}{under}"
        label = "return" if base["outcome"] == "return" else "raised"
        try:
            found = difference(base["value"], head["value"], tolerance, label) or _after(
                base.get("after"), head.get("after"), tolerance
            )
        except Incomparable:
            return "skip:incomparable"
        if found:
            return found + under
    return None


def _unusable(base: Line, again: Line | None, seen: dict[str, Any]) -> str | None:
    """Why the baseline's replays of a call cannot serve as the reference, if they cannot."""
    if base["outcome"] not in ("return", "raise"):
        return f"skip:baseline_{base['outcome']}"
    try:
        if again is None or not _same(base, again, EXACT):
            return "skip:unstable"
        if seen.get("outcome") and seen.get("value") is not None and not _same(base, seen, EXACT):
            return "skip:unstable"  # the replay does not reproduce what the tests saw
    except Incomparable:
        return "skip:incomparable"
    return None


def _same(a: Line, b: Line, tol: Tolerance) -> bool:
    if a["outcome"] != b["outcome"]:
        return False
    if difference(a["value"], b["value"], tol) is not None:
        return False
    return _after(a.get("after"), b.get("after"), tol) is None


def _after(base: Any, head: Any, tol: Tolerance) -> str | None:
    """How the arguments after the call differ (a mutation), as ``args[i]`` or ``kwargs[k]``."""
    if base is None or head is None:
        return None
    if "items" not in base or "items" not in head:  # over the size bound: a digest of both
        return difference(base, head, tol, "args and kwargs")
    args_a, kwargs_a = base["items"]
    args_b, kwargs_b = head["items"]
    return difference(args_a, args_b, tol, "args") or difference(kwargs_a, kwargs_b, tol, "kwargs")


def _outcome(line: Line) -> str:
    if line["outcome"] == "return":
        return f"returned {show(line['value'])}"
    if line["outcome"] == "raise":
        return f"raised {show(line['value'])}"
    if line["outcome"] == "timeout":
        return f"did not finish within {line['value']:g}s"
    return f"could not be called ({line.get('value')})"


def _total(result: Differential) -> None:
    skipped: Counter[str] = Counter()
    for t in result.targets:
        result.calls_compared += t.calls_compared
        result.calls_equal += t.calls_equal
        result.bench_equal += t.bench_equal
        result.generated_compared += t.generated_compared
        result.generated_equal += t.generated_equal
        result.mismatches += t.mismatches
        result.unstable += t.unstable
        skipped.update(t.skipped)
    result.skipped = dict(skipped)


def _read(path: Path) -> str | None:
    return path.read_text() if path.is_file() else None
