"""The trace followed as a person reads it: steps folded into groups, one fate per candidate,
each look of the measurement, the budget against its limits; the live display's state."""

from __future__ import annotations

from pathlib import Path

from ciopt.commands.display import Follower
from ciopt.commands.display.follow import Closed, Happening, Opened, Told
from tests.commands.display.records import records


def _follow(tmp_path: Path) -> tuple[Follower, list[Happening]]:
    follower = Follower()
    told: list[Happening] = []
    for record in records(tmp_path, hostile="x"):
        told += follower.feed(record)
    return follower, [*told, *follower.close()]


def test_steps_are_grouped_by_phase_and_candidate_and_each_group_closes(tmp_path: Path) -> None:
    _, told = _follow(tmp_path)
    groups = [(h.key, h.title) for h in told if isinstance(h, Opened)]
    assert groups == [
        ("request", "request"),
        ("baseline", "baseline"),
        ("candidate-1", "candidate 1 of 2"),
        ("candidate-2", "candidate 2 of 2"),
        ("publish", "publish"),
    ]
    depth = 0
    for happening in told:  # never nested, always closed
        if isinstance(happening, Opened):
            assert depth == 0
            depth += 1
        elif isinstance(happening, Closed):
            depth -= 1
        elif happening.kind == "fate":
            assert depth == 0, "a fate is told outside the folded steps"
    assert depth == 0


def test_one_fate_per_candidate_with_why(tmp_path: Path) -> None:
    _, told = _follow(tmp_path)
    fates = [h.text for h in told if isinstance(h, Told) and h.kind == "fate"]
    assert fates == [
        "candidate 1 of 2: rejected (not_applied): edit 1: the SEARCH text does not match: x",
        "candidate 2 of 2: faster (verified_faster): ratio 0.5 (0.45-0.55)",
    ]


def test_each_look_says_the_ratio_and_interval_so_far(tmp_path: Path) -> None:
    _, told = _follow(tmp_path)
    looks = [h.text for h in told if isinstance(h, Told) and h.kind == "look"]
    assert looks == [
        "measure: 5 rounds, 0.25 of the time budget, ratio 0.6 (0.4-1.1): inconclusive",
        "measure: 10 rounds, 0.50 of the time budget, ratio 0.5 (0.45-0.55): faster",
    ]


def test_steps_say_what_they_found_and_the_budget_is_told_per_candidate(tmp_path: Path) -> None:
    _, told = _follow(tmp_path)
    lines = [h.text for h in told if isinstance(h, Told)]
    assert lines[0] == "ciopt run: started"
    assert lines[1].startswith("read the request: target src/m.py::f; bench benchmarks/ (")
    assert "run the tests: 3 passed, 0 failed" in lines[4]
    budgets = [line for line in lines if line.startswith("budget: ")]
    assert budgets[0] == "budget: model calls 1/6, cost $0.00/$1.00, wall 1s/10m00s"
    assert len(budgets) == 2
    assert lines[-1].startswith("publish: ciopt/m-f (file:///x.md)")


def test_the_view_holds_each_phase_and_candidate_as_a_row(tmp_path: Path) -> None:
    follower, _ = _follow(tmp_path)
    view = follower.view
    rows = [(row.title, row.state, row.detail.split(":")[0]) for row in view.rows]
    assert rows == [
        ("request", "done", "read the request"),
        ("baseline", "done", "run the tests"),
        ("candidate 1 of 2", "done", "rejected (not_applied)"),
        ("candidate 2 of 2", "done", "faster (verified_faster)"),
        ("publish", "done", "publish"),
    ]
    assert view.command == "run" and view.isolation == "none (local)"
    assert view.limits["candidates"] == 2 and view.spent["llm_calls"] == 2


def test_a_failed_step_is_told_with_its_error_and_fails_its_row() -> None:
    follower = Follower()
    follower.feed({"type": "header", "command": "compare", "ts": "2026-01-01T00:00:00+00:00"})
    follower.feed({"type": "span_start", "name": "workspace", "span_id": "a"})
    told = follower.feed(
        {
            "type": "span_end",
            "name": "workspace",
            "span_id": "a",
            "status": "error",
            "error": "GitError: no commit nope",
            "duration_s": 0.2,
        }
    )
    assert [h.text for h in told if isinstance(h, Told)] == [
        "prepare the worktrees: GitError: no commit nope (0.2 s)"
    ]
    assert follower.view.rows[0].state == "failed"


def test_records_of_another_shape_are_told_without_details() -> None:
    follower = Follower()
    follower.feed({"type": "span_start", "name": "baseline.bench", "span_id": "b"})
    told = follower.feed(
        {"type": "span_end", "name": "baseline.bench", "span_id": "b", "attrs": {"medians": 3}}
    )
    assert [h.text for h in told if isinstance(h, Told)] == ["benchmark the baseline"]
