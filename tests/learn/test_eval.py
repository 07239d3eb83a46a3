"""``evaluate``: the cache (what a result is kept by, and a second eval that runs nothing), a task
whose run fails, the policy a client would promote, and what the eval writes."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest

from ciopt.agent import PROPOSE, Model, Policy, PolicyParams, PolicyRegistry, schema_hashes
from ciopt.config import Settings
from ciopt.errors import ConfigError
from ciopt.learn import (
    EvalOptions,
    Task,
    cache_key,
    evaluate,
    load_suite,
    reference_models,
    resolve_policy,
)
from tests.learn.tasks import write_corpus

POLICY = Policy(
    signature=PROPOSE.id,
    signature_schema_hash=PROPOSE.schema_hash,
    instructions={"terse": "Make the target faster. Keep its behaviour exactly."},
    params=PolicyParams(instruction_variant="terse"),
    versions={"ciopt": "test"},
)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


def test_the_cache_key_follows_policy_task_files_model_and_options(corpus: Path) -> None:
    task = load_suite(corpus, names=["dedupe"]).tasks[0]
    options = EvalOptions(model="reference")
    key = cache_key(task, None, options)
    assert cache_key(task, None, EvalOptions(model="reference", cache=False)) == key
    assert cache_key(task, POLICY, options) != key
    # a policy's notes and figures do not change how it prompts: a compiled one shares the runs
    told = Policy.model_validate({**POLICY.dump(), "notes": "compiled for a model"})
    assert told.id != POLICY.id
    assert cache_key(task, told, options) == cache_key(task, POLICY, options)
    assert cache_key(task, None, EvalOptions(model="trap")) != key
    assert cache_key(task, None, EvalOptions(model="reference", api_base="http://h:1")) != key
    assert cache_key(task, None, EvalOptions(model="reference", candidates=2)) != key
    assert cache_key(task, None, EvalOptions(model="reference", seed=1)) != key
    # what describes the task (its reference figure, its words) is not what a run depends on
    toml = task.root / "task.toml"
    toml.write_text(toml.read_text().replace("reference_ratio = 0.05", "reference_ratio = 0.07"))
    assert cache_key(load_suite(corpus, names=["dedupe"]).tasks[0], None, options) == key
    core = task.project / "src" / "tinyd" / "core.py"
    core.write_text(core.read_text() + "\n")
    assert cache_key(task, None, options) != key


def test_the_cache_key_follows_the_prompt_templates(
    corpus: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = load_suite(corpus, names=["dedupe"]).tasks[0]
    key = cache_key(task, None, EvalOptions(model="reference"))
    monkeypatch.setattr("ciopt.learn.cache.prompts_hash", lambda: "0" * 64)
    assert cache_key(task, None, EvalOptions(model="reference")) != key


def test_a_task_whose_run_fails_is_a_result_and_the_eval_goes_on(
    corpus: Path, tmp_path: Path
) -> None:
    (corpus / "common" / "reference.py").unlink()
    (corpus / "dedupe" / "reference.py").unlink()
    lines: list[str] = []
    out = tmp_path / "out"
    summary = evaluate(
        load_suite(corpus),
        None,
        EvalOptions(model="reference", cache_dir=tmp_path / "cache"),
        out=out,
        environ={},
        progress=lines.append,
    )
    assert [r.error for r in summary.tasks] == [
        f"task {name} has no reference.py; --model reference needs one"
        for name in ("common", "dedupe")
    ]
    assert [r.reward for r in summary.tasks] == [0.0, 0.0]
    assert (summary.totals.errors, summary.totals.mean_reward) == (2, 0.0)
    assert lines[0] == "task 1/2 common: started"
    assert lines[1].startswith("task 1/2 common: error, reward 0 (")
    assert lines[3].endswith("s): task dedupe has no reference.py; --model reference needs one")
    assert not (tmp_path / "cache" / "eval").exists()  # a failure is not kept
    written = json.loads((out / "eval.json").read_text())
    assert written["schema"] == "ciopt.eval/1" and written["policy"] == "default"
    assert "## Failed runs" in (out / "eval.md").read_text()


def test_a_stale_or_invalid_policy_is_refused(tmp_path: Path) -> None:
    stale = POLICY.model_copy(update={"signature_schema_hash": "0" * 64})
    with pytest.raises(ConfigError, match="compiled for another version"):
        evaluate(
            load_suite(write_corpus(tmp_path / "c", "dedupe")),
            stale,
            EvalOptions(model="x"),
            out=tmp_path / "out",
            environ={},
            progress=print,
        )
    path = tmp_path / "policy.json"
    path.write_text(json.dumps(POLICY.dump()))
    assert resolve_policy(str(path), tmp_path / "registry") == POLICY
    registry = PolicyRegistry(tmp_path / "registry", schema_hashes())
    assert resolve_policy(registry.add(POLICY)[:12], registry.root) == POLICY
    path.write_text('{"signature": 3}')
    with pytest.raises(ConfigError, match=f"^{path} is not a valid policy: "):
        resolve_policy(str(path), registry.root)


@pytest.mark.e2e
def test_a_second_eval_runs_nothing_and_reads_the_cache(
    corpus: Path, tmp_path: Path, client_python: str
) -> None:
    """One run of the trap (a behaviour change the tests catch), with a policy promoted in the
    task's repository; the same eval again is read from the cache."""
    opened: list[str] = []

    def counting(task: Task) -> Callable[[Settings], Mapping[str, Model]]:
        opened.append(task.name)
        return reference_models("trap")(task)

    suite = load_suite(corpus, names=["dedupe"])
    options = EvalOptions(
        model="trap", python=client_python, executor="local", cache_dir=tmp_path / "cache"
    )
    lines: list[str] = []
    ran: list[float] = []  # what the runs took, by the totals

    def run(out: Path) -> bool:
        lines.clear()
        summary = evaluate(
            suite, POLICY, options, out=out, environ={}, progress=lines.append, models=counting
        )
        [result] = summary.tasks
        assert (result.verdict, result.reason, result.reward) == ("rejected", "tests_failed", 0.2)
        assert result.signals.trap_caught
        assert (result.replies, result.decoded, result.applied) == (1, 1, 1)
        assert summary.policy == POLICY.id
        assert [r["policy"] for r in result.receipts] == [POLICY.id]  # promoted in the task repo
        assert result.llm_calls == 1 and result.output_tokens > 0
        ran.append(summary.totals.run_s)
        return result.cached

    assert not run(tmp_path / "first")
    assert opened == ["dedupe"]
    assert lines[1].startswith("task 1/1 dedupe: rejected (tests_failed), reward 0.200 (")
    assert json.loads((tmp_path / "first" / "dedupe" / "verdict.json").read_text())["reason"] == (
        "tests_failed"
    )
    assert len(list((tmp_path / "cache" / "eval").glob("*.json"))) == 1

    assert run(tmp_path / "second")
    assert opened == ["dedupe"]  # no model opened, no run
    assert lines[1] == "task 1/1 dedupe: rejected (tests_failed), reward 0.200 (cached)"
    assert not (tmp_path / "second" / "dedupe").exists()
    assert json.loads((tmp_path / "second" / "eval.json").read_text())["totals"]["cached"] == 1
    assert ran[1] == ran[0] > 0  # a cached task counts the run it recorded
