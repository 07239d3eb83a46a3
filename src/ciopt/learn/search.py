"""The compile search, over a scorer: successive halving, and greedy forward selection of demos.

Successive halving scores every candidate policy on the first few train tasks, keeps the better
half, doubles the tasks and goes on until one candidate is left or the train split is used up:
weak candidates stop early, the strong ones are scored on more tasks. Greedy selection adds, one at
a time, the demo whose policy scores best, while it scores strictly better than the policy without
it, up to ``max_demos``. Ties keep the earlier candidate, so the search is deterministic when the
scorer is.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from ciopt.agent import Demo, Policy

__all__ = ["Candidate", "Progress", "Scored", "Scorer", "Trial", "halve", "select_demos"]

T = TypeVar("T")
Progress = Callable[[str], None]


class Scored(Protocol):
    """What the search reads of an evaluation (the harness's ``EvalSummary`` has it)."""

    @property
    def mean_reward(self) -> float: ...


# a policy scored on some tasks: the eval harness in ``ciopt compile``, a fake in tests
Scorer = Callable[[Policy, Sequence[T]], Scored]


@dataclass(frozen=True)
class Candidate:
    label: str  # how the log and the report name it: "concise, whole_definition", "+ demo 3fa2"
    policy: Policy


@dataclass(frozen=True)
class Trial:
    """One candidate scored on the first ``tasks`` train tasks."""

    stage: str
    label: str
    policy: str  # its id
    tasks: int
    score: float


@dataclass(frozen=True)
class Halved:
    best: Candidate
    score: float  # the best one's, on the last ``tasks``
    tasks: int
    trials: list[Trial]


def halve(
    candidates: Sequence[Candidate],
    tasks: Sequence[T],
    score: Scorer[T],
    *,
    stage: str,
    first: int,
    progress: Progress,
) -> Halved:
    """The best of ``candidates`` by successive halving, starting on ``first`` tasks."""
    if not candidates or not tasks:
        raise ValueError("successive halving needs candidates and tasks")
    alive, n = list(candidates), min(max(first, 1), len(tasks))
    trials: list[Trial] = []
    while True:
        scores = [_scored(c, tasks[:n], score, stage, trials, progress) for c in alive]
        order = sorted(range(len(alive)), key=lambda i: -scores[i])  # stable: ties keep order
        if n >= len(tasks) or len(alive) == 1:
            return Halved(alive[order[0]], scores[order[0]], n, trials)
        alive = [alive[i] for i in order[: (len(alive) + 1) // 2]]
        if len(alive) == 1:
            return Halved(alive[0], scores[order[0]], n, trials)
        n = min(2 * n, len(tasks))


def with_demo(policy: Policy, demo: Demo) -> Policy:
    """``policy`` showing ``demo`` after the demos it already shows (validated: no URL, no key)."""
    doc = policy.dump()
    doc["demos"] = [*doc["demos"], demo.model_dump(mode="json")]
    doc["params"] = {**doc["params"], "few_shot_ids": [*policy.params.few_shot_ids, demo.id]}
    return Policy.model_validate(doc)


def select_demos(
    start: Policy,
    pool: Sequence[Demo],
    tasks: Sequence[T],
    score: Scorer[T],
    *,
    max_demos: int,
    first: int,
    progress: Progress,
) -> tuple[Policy, list[Trial]]:
    """``start`` with the demos of ``pool`` that raise its score, added greedily.

    Each step finds the best demo to add by successive halving, then keeps it only when its
    policy scores strictly better than the one without it on all of ``tasks``.
    """
    current: Policy = start
    trials: list[Trial] = []
    for step in range(1, max_demos + 1):
        shown = {d.id for d in current.demos}
        rest = [d for d in pool if d.id not in shown]
        if not rest:
            break
        stage = f"demo {step}"
        options = [Candidate(f"+ demo {d.id}", with_demo(current, d)) for d in rest]
        found = halve(options, tasks, score, stage=stage, first=first, progress=progress)
        trials += found.trials
        with_it = found.score
        if found.tasks < len(tasks):  # the last one left: scored on all the tasks
            with_it = _scored(found.best, tasks, score, stage, trials, progress)
        kept = Candidate(f"no new demo ({len(current.demos)} so far)", current)
        without = _scored(kept, tasks, score, stage, trials, progress)
        if with_it <= without:
            progress(f"{stage}: no demo helps; stopping at {len(current.demos)}")
            break
        progress(f"{stage}: kept {found.best.label} ({without:.3f} -> {with_it:.3f})")
        current = found.best.policy
    return current, trials


def _scored(
    candidate: Candidate,
    tasks: Sequence[T],
    score: Scorer[T],
    stage: str,
    trials: list[Trial],
    progress: Progress,
) -> float:
    value = score(candidate.policy, tasks).mean_reward
    trials.append(Trial(stage, candidate.label, candidate.policy.id, len(tasks), value))
    progress(f"{stage}: {candidate.label}: {value:.3f} on {len(tasks)} task(s)")
    return value
