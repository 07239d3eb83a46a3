"""The compile loop over a fake scorer: what it chooses, what it records, what it leaves."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciopt.agent import PROPOSE, Policy, PolicyParams, PolicyRegistry, schema_hashes
from ciopt.errors import ConfigError
from ciopt.learn import (
    CompileSettings,
    Example,
    Origin,
    compile_policy,
    search_space,
    write_compiled,
)
from ciopt.learn.compile import Compiled, figures
from ciopt.learn.dataset import dataset_hash
from tests.learn.fakes import ScriptedScorer

TRAIN = ["sum-loop", "hard-dedupe", "join", "hard-bisect", "counter", "heap", "hoist", "sets"]
HOLDOUT = ["hard-common", "strings"]
ORIGIN = Origin(
    dataset_hash="c" * 64,
    model="hosted_vllm/qwen2.5-coder-1.5b",
    ciopt="0.1.0+g786fd5cd5178",
    versions={"ciopt": "0.1.0", "pydantic": "2.9"},
    eval_settings={"candidates": 1},
)


def picky(**demos: float) -> ScriptedScorer:
    """A model that answers well only when asked for the whole definition, with the concise
    instruction; ``demos``: what showing each demo adds."""
    return ScriptedScorer(variants={"concise": 0.3}, formats={"whole_definition": 0.3}, demos=demos)


def example(name: str, *, text: str = "def f(xs):\n    return sorted(xs)[0]\n") -> Example:
    inputs = {
        "targets": [{"path": "src/m.py", "qualname": "f"}],
        "files": [{"path": "src/m.py", "text": text}],
    }
    output = f"Use min() ({name}).\n\n```python\ndef f(xs):\n    return min(xs)\n```\n"
    return Example(
        id=name,
        signature=PROPOSE.id,
        signature_schema_hash=PROPOSE.schema_hash,
        inputs=inputs,
        output=output,
        output_format="whole_definition",
        ratio=0.5,
    )


def run(
    scorer: ScriptedScorer,
    *,
    pool: list[Example] | None = None,
    start: Policy | None = None,
    max_demos: int = 2,
) -> tuple[Compiled, list[str]]:
    lines: list[str] = []
    compiled = compile_policy(
        search_space(PROPOSE.id),
        scorer,
        train=TRAIN,
        holdout=HOLDOUT,
        start=start,
        pool=pool or [],
        settings=CompileSettings(max_demos=max_demos),
        origin=ORIGIN,
        progress=lines.append,
    )
    return compiled, lines


def test_compile_chooses_the_instruction_and_format_the_model_answers_well() -> None:
    compiled, lines = run(picky())

    policy = compiled.policy
    assert compiled.variant == "concise, whole_definition"
    assert policy.params.instruction_variant == "concise"
    assert policy.params.output_format == "whole_definition"
    assert list(policy.instructions) == ["concise"]
    assert "a set or dict for membership tests" in policy.instructions["concise"]
    # 4 instructions x 2 formats on 2 tasks; the best half on 4; the best 2 on all 8
    tasks = {t.label: t.tasks for t in compiled.trials if t.stage == "variants"}
    assert len(tasks) == 8
    assert sorted(tasks.values()) == [2, 2, 2, 2, 4, 4, 8, 8]
    assert tasks["concise, whole_definition"] == 8 and tasks["careful, search_replace"] == 2
    assert lines[0].startswith("variants: default, whole_definition: 0.")


def test_the_compiled_policy_records_its_provenance_and_figures() -> None:
    scorer = picky(helps=0.2, hurts=-0.3)
    pool = [example("hurts"), example("helps")]
    compiled, _ = run(scorer, pool=pool)

    policy = compiled.policy
    assert policy.params.few_shot_ids == ["helps"] and [d.id for d in policy.demos] == ["helps"]
    prov = policy.provenance
    assert prov is not None
    assert prov.optimizer == "grid-halving+greedy-demos/1"
    assert prov.settings == {"max_demos": 2, "first_tasks": 2, "seed": 0, "candidates": 1}
    assert prov.search_space_hash == search_space(PROPOSE.id).hash
    assert prov.dataset_hash == "c" * 64 and prov.demo_pool_hash == dataset_hash(pool)
    assert (prov.model, prov.ciopt) == (ORIGIN.model, ORIGIN.ciopt)
    assert policy.versions == {"ciopt": "0.1.0", "pydantic": "2.9"}
    figures_of = policy.evaluation
    assert figures_of is not None
    assert figures_of.baseline == "default"
    assert figures_of.train == figures(scorer(policy, TRAIN))
    assert figures_of.holdout == figures(scorer(policy, HOLDOUT))
    assert figures_of.baseline_holdout == figures(scorer(None, HOLDOUT))
    assert figures_of.holdout.mean_reward > figures_of.baseline_holdout.mean_reward
    assert (figures_of.train.tasks, figures_of.holdout.tasks) == (8, 2)
    assert "://" not in json.dumps(policy.dump())


def test_the_starting_policy_is_the_baseline_and_keeps_its_settings() -> None:
    start = Policy(
        signature=PROPOSE.id,
        signature_schema_hash=PROPOSE.schema_hash,
        instructions={},
        params=PolicyParams(model_role="proposer", output_format="search_replace"),
        versions={"ciopt": "0.1.0"},
    )
    compiled, _ = run(picky(), start=start, max_demos=0)
    assert compiled.policy.evaluation is not None
    assert compiled.policy.evaluation.baseline == start.id
    assert compiled.policy.params.model_role == "proposer"


def test_demos_the_policy_cannot_show_are_left_out_of_the_pool() -> None:
    linked = example("linked", text="def f(xs):\n    # see https://example.com/why\n    ...\n")
    other = example("other").model_copy(update={"signature_schema_hash": "d" * 64})
    edits = example("edits").model_copy(update={"output_format": "search_replace"})
    compiled, lines = run(picky(), pool=[linked, other, edits, example("fine")])
    assert compiled.pool == 1
    assert "demo pool: other is for another signature or version of it; left out" in lines
    assert "demo pool: edits is a search_replace reply; left out" in lines
    assert any(line.startswith("demo pool: linked cannot be shown by a policy") for line in lines)


def test_a_compiled_policy_is_stored_unpromoted_and_immutable(tmp_path: Path) -> None:
    compiled, _ = run(picky(), pool=[example("helps")])
    registry = PolicyRegistry(tmp_path / "repo" / ".ciopt" / "policies", schema_hashes())
    out = tmp_path / "out"

    path = write_compiled(compiled, out, registry)

    policy = compiled.policy
    assert path == out / f"{policy.id}.json"
    assert Policy.model_validate_json(path.read_text()).id == policy.id  # named by its content
    [entry] = registry.list()
    assert entry.id == policy.id and not entry.active
    assert registry.active(PROPOSE.id) is None
    record = json.loads((out / "compile.json").read_text())
    assert record["policy"] == policy.id and record["chosen"] == "concise, whole_definition"
    assert len(record["trials"]) == len(compiled.trials)
    assert {"stage", "candidate", "policy", "tasks", "score"} == set(record["trials"][0])
    page = (out / "compile.md").read_text()
    assert f"| holdout | compiled {policy.id[:12]} | 2 |" in page
    assert "| holdout | baseline default | 2 |" in page

    stored = registry.root / f"{policy.id}.json"
    doc = json.loads(stored.read_text())
    doc["evaluation"]["holdout"]["mean_reward"] = 1.0  # a better figure, written by hand
    stored.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match="was modified"):
        registry.get(policy.id)


def test_the_search_can_be_narrowed_to_some_variants_formats_and_train_tasks() -> None:
    scorer = picky()
    compiled = compile_policy(
        search_space(PROPOSE.id, formats=["whole_definition"], variants=["default", "concise"]),
        scorer,
        train=TRAIN,
        holdout=HOLDOUT,
        start=None,
        pool=[],
        settings=CompileSettings(max_demos=0, train_tasks=4),
        origin=ORIGIN,
        progress=lambda _line: None,
    )
    assert compiled.variant == "concise, whole_definition"
    assert "4 train and 2 holdout tasks" in compiled.policy.notes  # the train tasks it used
    assert {t.label for t in compiled.trials} == {
        "default, whole_definition",
        "concise, whole_definition",
    }
    # no score ever asked for more than the 4 train tasks the search may use
    assert max(n for _, n in scorer.calls if n != len(HOLDOUT)) == 4


@pytest.mark.parametrize(
    ("formats", "variants", "said"),
    [
        (["diff"], None, "unknown format diff; choose from whole_definition, search_replace"),
        (["whole_definition"], ["terse"], "unknown instruction variant terse; choose from default"),
    ],
)
def test_a_narrowed_space_names_what_it_does_not_know(
    formats: list[str], variants: list[str] | None, said: str
) -> None:
    with pytest.raises(ConfigError, match=said):
        search_space(PROPOSE.id, formats=formats, variants=variants)
