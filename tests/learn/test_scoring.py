"""The compile loop through the real eval harness, with a model that reads its prompt: it answers
well only when asked for the whole new definition, and compile finds that out."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from ciopt.agent import EXPLAIN, PROPOSE, Completion, Model, Policy, PolicyParams, schema_hashes
from ciopt.config import Settings
from ciopt.learn import (
    CompileSettings,
    EvalOptions,
    Origin,
    Space,
    Task,
    compile_policy,
    eval_score,
    load_suite,
)
from tests.learn.tasks import write_corpus

pytestmark = pytest.mark.e2e


class WholeDefinitionOnly:
    """Replies with the task's reference as a whole definition when the prompt asks for one;
    asked for SEARCH/REPLACE edits, it answers in words (which do not decode)."""

    name = "fake/whole-definition-only"

    def __init__(self, task: Task, asked: list[str]) -> None:
        self.task = task
        self.asked = asked

    def complete(
        self,
        messages: list[dict[str, str]],
        *,
        max_tokens: int | None = None,
        seconds_left: float | None = None,
    ) -> Completion:
        system = messages[0]["content"]
        if system.startswith(EXPLAIN.template("system")):
            text = json.dumps({"title": "Faster", "summary": "The reference, as a definition."})
        elif "<<<<<<< SEARCH" in system:
            self.asked.append("search_replace")
            text = "I would keep the items seen in a set; that makes it linear."
        else:
            self.asked.append("whole_definition")
            text = f"A set is faster.\n\n```python\n{self.task.reply('reference')}```\n"
        return Completion(
            text=text, model=self.name, provider="fake", input_tokens=100, output_tokens=50
        )


def test_compile_picks_the_format_the_model_answers_in(tmp_path: Path, client_python: str) -> None:
    suite = load_suite(write_corpus(tmp_path / "corpus"))  # dedupe: train, common: holdout
    asked: list[str] = []

    def models(task: Task) -> Callable[[Settings], Mapping[str, Model]]:
        return lambda _settings: {"default": WholeDefinitionOnly(task, asked)}

    options = EvalOptions(
        model=WholeDefinitionOnly.name,
        python=client_python,
        executor="local",
        cache_dir=tmp_path / "cache",
    )
    score = eval_score(
        suite, options, out=tmp_path / "out", environ={}, progress=lambda _: None, models=models
    )
    start = Policy(  # the active policy asks for edits: the baseline
        signature=PROPOSE.id,
        signature_schema_hash=schema_hashes()[PROPOSE.id],
        instructions={},
        params=PolicyParams(output_format="search_replace"),
        versions={"ciopt": "0.1.0"},
    )
    space = Space(
        PROPOSE.id, {"default": PROPOSE.instruction}, ("search_replace", "whole_definition")
    )
    lines: list[str] = []

    compiled = compile_policy(
        space,
        score,
        train=[t for t in suite.tasks if t.split == "train"],
        holdout=[t for t in suite.tasks if t.split == "holdout"],
        start=start,
        pool=[],
        settings=CompileSettings(max_demos=0, first_tasks=1),
        origin=Origin(suite.hash, WholeDefinitionOnly.name, "0.1.0", {"ciopt": "0.1.0"}, {}),
        progress=lines.append,
    )

    assert compiled.variant == "default, whole_definition"
    assert compiled.policy.params.output_format == "whole_definition"
    evaluation = compiled.policy.evaluation
    assert evaluation is not None and evaluation.baseline == start.id
    # applied and equal in behaviour at least (whether faster is the measurement's to say)
    assert evaluation.train.applied_share == evaluation.holdout.applied_share == 1.0
    assert evaluation.holdout.mean_reward >= 0.5
    assert (evaluation.baseline_holdout.mean_reward, evaluation.baseline_holdout.decoded_share) == (
        0.0,
        0.0,
    )
    assert lines[0].startswith("variants: default, search_replace: 0.000 on 1 task(s)")
    # each (policy, task) ran once: the chosen one on train came from memory
    assert sorted(set(asked)) == ["search_replace", "whole_definition"]
    assert asked.count("whole_definition") == 2  # dedupe and common, one candidate each
