from __future__ import annotations

import json
from pathlib import Path

import pytest

from ciopt.agent.policy import Policy
from ciopt.cli import main

HASH = "a" * 64


@pytest.fixture(autouse=True)
def _hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "ciopt.commands.policy._schema_hashes", lambda: {"propose_optimization": HASH}
    )


def write_policy(tmp_path: Path, name: str, **changes: str) -> Path:
    doc = {
        "schema": "ciopt.policy/1",
        "signature": "propose_optimization",
        "signature_schema_hash": HASH,
        "instructions": {"terse": "Propose one optimization."},
        "params": {"instruction_variant": "terse"},
        "versions": {"ciopt": "0.1.0"},
        "notes": "compiled from 3 traces",
    } | changes
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_promote_list_show_rollback(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    repo = str(tmp_path)
    assert main(["policy", "list", "--repo", repo]) == 0
    assert "no policies in" in capsys.readouterr().out

    file = write_policy(tmp_path, "p.json")
    policy = Policy.model_validate_json(file.read_text())
    assert main(["policy", "promote", str(file), "--repo", repo]) == 0
    out = capsys.readouterr().out
    assert out == (
        f"propose_optimization now uses policy {policy.id[:12]}\n"
        f"no holdout figures for {policy.id[:12]} (it was not compiled)\n"
    )

    assert main(["policy", "list", "--repo", repo]) == 0
    header, row = capsys.readouterr().out.splitlines()
    assert header.split() == ["SIGNATURE", "ID", "ACTIVE", "VARIANT", "DEMOS", "NOTES"]
    assert row.split() == [
        "propose_optimization",
        policy.id[:12],
        "*",
        "terse",
        "0",
        *["compiled", "from", "3", "traces"],
    ]

    assert main(["policy", "show", policy.id[:8], "--repo", repo]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"id: {policy.id}\nactive: yes (for propose_optimization)\n{{\n")
    assert json.loads(out.split("\n", 2)[2]) == policy.dump()

    assert main(["policy", "rollback", "propose_optimization", "--repo", repo]) == 0
    assert "now uses its built-in defaults" in capsys.readouterr().out
    assert main(["policy", "show", policy.id, "--repo", repo]) == 0
    assert "active: no" in capsys.readouterr().out


def test_force_promotes_a_stale_policy_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write_policy(tmp_path, "p.json", signature_schema_hash="b" * 64)
    assert main(["policy", "promote", str(file), "--repo", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "--force" in err and err.count("\n") == 1
    assert main(["policy", "promote", str(file), "--repo", str(tmp_path), "--force"]) == 0
    assert "warning: " in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["policy", "show", "deadbeef"], "no policy deadbeef"),
        (["policy", "show", "xyz"], "8+ hex characters"),
        (["policy", "rollback", "propose_optimization"], "nothing to roll back"),
        (["policy", "promote", "missing.json"], "does not exist"),
        (["policy", "list", "--repo", "/nonexistent/repo"], "is not a directory"),
    ],
)
def test_errors_are_one_line(
    argv: list[str], needle: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if "--repo" not in argv:
        argv = [*argv, "--repo", str(tmp_path)]
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and needle in err and err.count("\n") == 1


def test_invalid_policy_file_is_a_one_line_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = write_policy(tmp_path, "p.json", notes="served at http://gpu-box:8000")
    assert main(["policy", "promote", str(file), "--repo", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert (
        err
        == f"error: {file} is not a valid policy: notes: a policy never holds URLs or endpoints\n"
    )


def figures(reward: float, faster: int) -> dict[str, float]:
    return {"tasks": 4, "mean_reward": reward, "yield_count": faster, "decoded_share": 1.0,
            "applied_share": 0.75, "llm_calls": 8, "tokens": 9000, "wall_s": 60.0}  # fmt: skip


def compiled(tmp_path: Path, name: str, baseline: str, ours: float, theirs: float) -> Path:
    """A compiled policy's file: its holdout figures, and those of the ``baseline`` beside it."""
    doc = json.loads(write_policy(tmp_path, name).read_text())
    doc["instructions"] = {"terse": f"Propose one optimization ({name})."}
    doc["evaluation"] = {
        "metric_version": 1,
        "train": figures(ours, 3),
        "holdout": figures(ours, 3),
        "baseline": baseline,
        "baseline_holdout": figures(theirs, 1),
    }
    path = tmp_path / name
    path.write_text(json.dumps(doc))
    return path


def test_promote_shows_the_holdout_figures_against_the_active_policy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = str(tmp_path)
    first = compiled(tmp_path, "first.json", "default", 0.6, 0.3)
    first_id = Policy.model_validate_json(first.read_text()).id
    assert main(["policy", "promote", str(first), "--repo", repo]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        f"holdout, {first_id[:12]}: mean reward 0.600, 3/4 faster, 100% decoded, 75% applied, "
        "8 calls",
        "holdout, the default prompting: mean reward 0.300, 1/4 faster, 100% decoded, "
        "75% applied, 8 calls",
    ]

    second = compiled(tmp_path, "second.json", first_id, 0.8, 0.55)
    assert main(["policy", "promote", str(second), "--repo", repo]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].endswith(": mean reward 0.800, 3/4 faster, 100% decoded, 75% applied, 8 calls")
    assert lines[2].startswith(f"holdout, the active {first_id[:12]}: mean reward 0.550, 1/4")

    # compared with another policy than the active one: the active's own figures
    third = compiled(tmp_path, "third.json", "f" * 64, 0.7, 0.1)
    second_id = Policy.model_validate_json(second.read_text()).id
    assert main(["policy", "promote", str(third), "--repo", repo]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[2].startswith(f"holdout, the active {second_id[:12]} (its own compile): ")
    assert "mean reward 0.800" in lines[2]

    # back to the defaults, a policy compiled against another policy: nothing to compare with
    for _ in range(3):
        assert main(["policy", "rollback", "propose_optimization", "--repo", repo]) == 0
    assert main(["policy", "promote", str(third), "--repo", repo]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        "no holdout figures for the default prompting"
    )
