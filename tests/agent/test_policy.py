from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from ciopt.agent.hashing import canonical_json
from ciopt.agent.policy import Policy, PolicyRegistry, default_params
from ciopt.errors import ConfigError

HASH = "a" * 64
OTHER_HASH = "b" * 64


def policy_doc(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": "ciopt.policy/1",
        "signature": "propose_optimization",
        "signature_schema_hash": HASH,
        "instructions": {"terse": "Propose one optimization. Keep the behaviour."},
        "demos": [{"id": "d1", "inputs": {"target": "m.py::f"}, "output": '{"edits": []}'}],
        "params": {"instruction_variant": "terse", "few_shot_ids": ["d1"]},
        "versions": {"ciopt": "0.1.0", "pydantic": "2.14"},
        "notes": "compiled from 14 traces",
    }
    doc.update(changes)
    return doc


def make(**changes: Any) -> Policy:
    return Policy.model_validate(policy_doc(**changes))


@pytest.fixture
def registry(tmp_path: Path) -> PolicyRegistry:
    hashes = {"propose_optimization": HASH, "repair_candidate": HASH}
    return PolicyRegistry(tmp_path / ".ciopt" / "policies", hashes)


def test_id_is_the_hash_of_the_canonical_json() -> None:
    policy = make()
    decode = {"mode": "tolerant", "max_repairs": 1}
    params = {"instruction_variant": "terse", "few_shot_ids": ["d1"], "decode": decode}
    full = policy_doc(params=params | {"model_role": "default"})
    assert policy.id == hashlib.sha256(canonical_json(full).encode()).hexdigest()
    assert policy.id == make().id
    assert policy.instruction() == "Propose one optimization. Keep the behaviour."
    assert [d.id for d in policy.shots()] == ["d1"]


def test_key_order_does_not_change_the_id() -> None:
    doc = policy_doc()
    shuffled = {k: doc[k] for k in reversed(list(doc))}
    assert Policy.model_validate(shuffled).id == make().id


@pytest.mark.parametrize(
    "change",
    [
        {"notes": "compiled from 15 traces"},
        {"signature_schema_hash": OTHER_HASH},
        {"versions": {"ciopt": "0.1.1", "pydantic": "2.14"}},
        {"params": {"instruction_variant": "terse", "few_shot_ids": []}},
        {"params": {"instruction_variant": "terse", "decode": {"max_repairs": 2}}},
        {"params": {"instruction_variant": "terse", "model_role": "cheap"}},
        {"instructions": {"terse": "Propose one optimization."}},
    ],
)
def test_any_field_changes_the_id(change: dict[str, Any]) -> None:
    assert make(**change).id != make().id


def test_defaults() -> None:
    params = default_params()
    assert params.instruction_variant == "default"
    assert params.decode.mode == "tolerant" and params.decode.max_repairs == 1
    policy = make(instructions={}, demos=[], params={})
    assert policy.instruction() is None and policy.shots() == []


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"params": {"temperature": 0.2}}, "params.temperature"),
        ({"params": {"decode": {"max_repairs": 4}}}, "max_repairs"),
        ({"api_base": "x"}, "api_base"),
        ({"signature_schema_hash": "abc"}, "signature_schema_hash"),
        ({"params": {"instruction_variant": "long"}}, "'long' is not in instructions"),
        ({"params": {"few_shot_ids": ["d2"]}}, "no demo with id d2"),
        ({"instructions": {"default": "x"}, "params": {}}, "'default' names the built-in"),
    ],
)
def test_invalid_policies_are_refused(change: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        make(**change)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"notes": "from http://10.0.0.5:8000/v1"}, "notes"),
        (
            {"versions": {"ciopt": "0.1", "endpoint": "https://api.example.com"}},
            "versions.endpoint",
        ),
        ({"instructions": {"terse": "key sk-proj-abcdefghijklmnopqrstuvwx"}}, "instructions.terse"),
        (
            {"demos": [{"id": "d1", "inputs": {"t": ["ghp_" + "a" * 36]}, "output": ""}]},
            r"demos\[0\].inputs.t\[0\]",
        ),
    ],
)
def test_urls_and_tokens_are_refused_naming_the_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError, match=f"{field}: a policy never holds"):
        make(**change)


def test_add_and_get_by_id_and_prefix(registry: PolicyRegistry) -> None:
    policy = make()
    pid = registry.add(policy)
    assert pid == policy.id
    path = registry.root / f"{pid}.json"
    assert path.read_text() == canonical_json(policy.dump()) + "\n"
    assert registry.add(policy) == pid  # present and identical: fine
    assert registry.get(pid) == policy
    assert registry.get(pid[:8]).id == pid
    assert registry.get(pid[:10].upper()).id == pid


def test_unknown_short_and_ambiguous_refs(registry: PolicyRegistry) -> None:
    pid = registry.add(make())
    with pytest.raises(ConfigError, match=f"no policy 00000000 in .*stored: {pid[:12]}"):
        registry.get("00000000")
    with pytest.raises(ConfigError, match="prefix of it of 8"):
        registry.get(pid[:7])
    other = registry.root / f"{pid[:8]}{'0' * 56}.json"
    other.write_text(canonical_json(make(notes="x").dump()))
    with pytest.raises(ConfigError, match="ambiguous"):
        registry.get(pid[:8])


def test_tampered_file_is_refused(registry: PolicyRegistry) -> None:
    policy = make()
    pid = registry.add(policy)
    path = registry.root / f"{pid}.json"
    path.write_text(canonical_json(make(notes="edited by hand").dump()))
    with pytest.raises(ConfigError, match=r"was modified .* policies are immutable"):
        registry.get(pid)
    with pytest.raises(ConfigError, match="was modified"):
        registry.add(policy)
    path.write_text("{not json")
    with pytest.raises(ConfigError, match="is not a valid policy"):
        registry.get(pid)


def test_no_registry_means_defaults(registry: PolicyRegistry) -> None:
    assert registry.active("propose_optimization") is None
    assert registry.list() == []
    registry.add(make())
    assert registry.active("propose_optimization") is None


def test_promote_and_rollback_stack(registry: PolicyRegistry, tmp_path: Path) -> None:
    one, two = make(), make(notes="second")
    file = tmp_path / "one.json"
    file.write_text(json.dumps(one.dump(), indent=2))
    assert registry.promote(str(file)) == one
    assert registry.active("propose_optimization") == one
    registry.add(two)
    registry.promote(two.id[:8])
    registry.promote(two.id)  # already active: no-op
    assert registry.history("propose_optimization") == [one.id, two.id]
    assert registry.active("propose_optimization") == two
    assert [(e.id, e.active) for e in registry.list()] == sorted([(one.id, False), (two.id, True)])
    active = json.loads((registry.root / "active.json").read_text())
    assert active == {
        "schema": "ciopt.policies.active/1",
        "active": {"propose_optimization": [one.id, two.id]},
    }
    assert registry.rollback("propose_optimization") == one
    assert registry.rollback("propose_optimization") is None
    assert registry.active("propose_optimization") is None
    with pytest.raises(ConfigError, match="nothing to roll back"):
        registry.rollback("propose_optimization")


def test_promote_refuses_unknown_signature_and_missing_file(registry: PolicyRegistry) -> None:
    registry.add(stray := make(signature="summarize"))
    with pytest.raises(ConfigError, match="unknown signature 'summarize'"):
        registry.promote(stray.id)
    with pytest.raises(ConfigError, match="does not exist"):
        registry.promote("nowhere/p.json")


def test_schema_hash_mismatch_needs_force(registry: PolicyRegistry) -> None:
    stale = make(signature_schema_hash=OTHER_HASH)
    registry.add(stale)
    with pytest.raises(ConfigError, match=r"another version .* --force"):
        registry.promote(stale.id)
    assert registry.history("propose_optimization") == []
    assert registry.promote(stale.id, force=True) == stale
    with pytest.raises(ConfigError, match="policy rollback propose_optimization"):
        registry.active("propose_optimization")


def test_active_refuses_unknown_signatures_in_active_json(registry: PolicyRegistry) -> None:
    registry.promote(registry.add(make()))
    path = registry.root / "active.json"
    doc = json.loads(path.read_text())
    doc["active"]["summarize"] = [make().id]
    path.write_text(json.dumps(doc))
    with pytest.raises(ConfigError, match="names unknown signature 'summarize'"):
        registry.active("propose_optimization")
    path.write_text('{"schema": "ciopt.policies.active/1", "active": {"x": ["zz"]}}')
    with pytest.raises(ConfigError, match="not a valid active-policy file"):
        registry.active("propose_optimization")


def test_the_output_format_defaults_to_whole_definitions_and_keeps_older_ids() -> None:
    assert default_params().output_format == "whole_definition"
    policy = make()
    assert "output_format" not in policy.dump()["params"]  # the default is not written
    params = {"instruction_variant": "terse", "few_shot_ids": ["d1"]}
    chosen = make(params=params | {"output_format": "search_replace"})
    assert chosen.dump()["params"]["output_format"] == "search_replace"
    assert chosen.id != policy.id
    assert make(params=params | {"output_format": "whole_definition"}).id == policy.id
    with pytest.raises(ValidationError, match="output_format"):
        make(params=params | {"output_format": "unified_diff"})


def test_a_compiled_policy_carries_provenance_and_figures_in_its_id() -> None:
    figures = {"tasks": 4, "mean_reward": 0.5, "yield_count": 2, "decoded_share": 1.0,
               "applied_share": 0.5, "llm_calls": 8, "tokens": 900, "wall_s": 12.5}  # fmt: skip
    evaluation = {"metric_version": 1, "train": figures, "holdout": figures,
                  "baseline": "default", "baseline_holdout": figures}  # fmt: skip
    provenance = {"optimizer": "grid-halving+greedy-demos/1", "settings": {"max_demos": 2},
                  "search_space_hash": HASH, "dataset_hash": HASH, "demo_pool_hash": HASH,
                  "model": "hosted_vllm/qwen", "ciopt": "0.1.0"}  # fmt: skip
    plain = make()
    assert "provenance" not in plain.dump() and "evaluation" not in plain.dump()
    compiled = make(provenance=provenance, evaluation=evaluation)
    assert compiled.dump()["provenance"] == provenance
    assert compiled.id != plain.id
    better = evaluation | {"holdout": figures | {"mean_reward": 0.9}}
    assert make(provenance=provenance, evaluation=better).id != compiled.id
    with pytest.raises(ValidationError, match="never holds URLs"):
        make(provenance=provenance | {"model": "http://gpu-box:8000/v1"}, evaluation=evaluation)
