"""Successive halving and greedy demo selection, over a deterministic fake scorer."""

from __future__ import annotations

from collections import defaultdict

from ciopt.agent import PROPOSE, Demo, Policy, PolicyParams
from ciopt.learn import halve, select_demos
from ciopt.learn.search import Candidate
from tests.learn.fakes import ScriptedScorer

DEMO_INPUTS = {
    "targets": [{"path": "src/m.py", "qualname": "f"}],
    "files": [{"path": "src/m.py", "text": "def f(xs):\n    return sorted(xs)[0]\n"}],
}


def policy(variant: str) -> Policy:
    return Policy(
        signature=PROPOSE.id,
        signature_schema_hash=PROPOSE.schema_hash,
        instructions={variant: f"Make the target faster ({variant})."},
        params=PolicyParams(instruction_variant=variant),
        versions={"ciopt": "0.1.0"},
    )


def demo(name: str) -> Demo:
    return Demo(id=name, inputs=DEMO_INPUTS, output=f"Use min ({name}).\n\nsrc/m.py\n...")


def tasks(n: int) -> list[str]:
    return [f"task-{i}" for i in range(n)]


def quiet(_line: str) -> None:
    pass


def test_halving_stops_weak_variants_early() -> None:
    names = [f"v{i}" for i in range(8)]
    scorer = ScriptedScorer(variants={name: 0.05 * i for i, name in enumerate(names)})
    candidates = [Candidate(name, policy(name)) for name in names]
    lines: list[str] = []

    found = halve(candidates, tasks(8), scorer, stage="variants", first=2, progress=lines.append)

    assert found.best.label == "v7" and found.tasks == 8
    most: dict[str, int] = defaultdict(int)
    for trial in found.trials:
        most[trial.label] = max(most[trial.label], trial.tasks)
    # 8 on 2 tasks, the best 4 on 4, the best 2 on all 8: the weak half stops each round
    assert dict(most) == {"v0": 2, "v1": 2, "v2": 2, "v3": 2, "v4": 4, "v5": 4, "v6": 8, "v7": 8}
    assert len(found.trials) == 8 + 4 + 2 == len(lines)
    assert lines[0] == "variants: v0: 0.100 on 2 task(s)"


def test_halving_ends_when_one_is_left_before_the_tasks_run_out() -> None:
    names = ["a", "b", "c", "d"]
    scorer = ScriptedScorer(variants={"c": 0.3, "a": 0.1})
    candidates = [Candidate(name, policy(name)) for name in names]

    found = halve(candidates, tasks(16), scorer, stage="variants", first=2, progress=quiet)

    assert found.best.label == "c"
    assert [(t.label, t.tasks) for t in found.trials] == [
        ("a", 2), ("b", 2), ("c", 2), ("d", 2), ("c", 4), ("a", 4),
    ]  # fmt: skip


def test_a_tie_keeps_the_earlier_candidate_every_time() -> None:
    candidates = [Candidate(name, policy(name)) for name in ("x", "y", "z")]
    for _ in range(3):
        found = halve(
            candidates, tasks(4), ScriptedScorer(), stage="variants", first=1, progress=quiet
        )
        assert found.best.label == "x"


def test_greedy_selection_adds_the_demo_that_helps_and_not_the_one_that_hurts() -> None:
    scorer = ScriptedScorer(variants={"concise": 0.3}, demos={"helps": 0.2, "hurts": -0.2})
    pool = [demo("hurts"), demo("neutral"), demo("helps")]
    lines: list[str] = []

    chosen, trials = select_demos(
        policy("concise"), pool, tasks(4), scorer, max_demos=2, first=2, progress=lines.append
    )

    assert chosen.params.few_shot_ids == ["helps"]
    assert [d.id for d in chosen.demos] == ["helps"]
    assert "demo 1: kept + demo helps (0.400 -> 0.600)" in lines
    assert "demo 2: no demo helps; stopping at 1" in lines
    # the second step tried the two left, with the first demo kept
    second = {t.label for t in trials if t.stage == "demo 2"}
    assert {"+ demo hurts", "+ demo neutral"} <= second


def test_greedy_selection_stops_at_max_demos() -> None:
    scorer = ScriptedScorer(demos={"a": 0.1, "b": 0.2, "c": 0.3})
    pool = [demo("a"), demo("b"), demo("c")]
    chosen, _ = select_demos(
        policy("concise"), pool, tasks(2), scorer, max_demos=2, first=2, progress=quiet
    )
    assert chosen.params.few_shot_ids == ["c", "b"]
    none, trials = select_demos(
        policy("concise"), pool, tasks(2), scorer, max_demos=0, first=2, progress=quiet
    )
    assert none.demos == [] and trials == []
