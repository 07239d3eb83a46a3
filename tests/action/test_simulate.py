"""The simulator itself: it must do what the runner does, and refuse what it cannot read."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from tests.action.expressions import ExpressionError, Status, Strict, evaluate, evaluate_if
from tests.action.simulate import Job, Runner, SimulationError, parse_file_command
from tests.action.standins import Call, cache_pair, upload_artifact


def _runner(tmp_path: Path, action: str, uses: dict[str, Any]) -> Runner:
    folder = tmp_path / "act"
    folder.mkdir(exist_ok=True)
    (folder / "action.yml").write_text(textwrap.dedent(action))
    workspace = tmp_path / "ws"
    workspace.mkdir(exist_ok=True)
    return Runner(
        folder,
        workspace=workspace,
        temp=tmp_path / "temp",
        event_name="issues",
        payload={"action": "labeled", "issue": {"number": 7}},
        github={"repository": "octo/textkit", "token": "ghs_x", "run_id": "5"},
        env={"FROM_CALLER": "yes"},
        uses=uses,
    )


def _run(
    tmp_path: Path,
    action: str,
    inputs: dict[str, str] | None = None,
    uses: dict[str, Any] | None = None,
) -> Job:
    return _runner(tmp_path, action, uses or {}).run(inputs or {})


def test_outputs_env_and_path_pass_from_step_to_step(tmp_path: Path) -> None:
    job = _run(tmp_path, """
        inputs:
          who: {default: "${{ github.repository }}"}
        outputs:
          x: {value: "${{ steps.b.outputs.seen }}"}
          multi: {value: "${{ steps.a.outputs.multi }}"}
        runs:
          using: composite
          steps:
            - id: a
              shell: bash
              run: |
                echo "x=1" >> "$GITHUB_OUTPUT"
                printf 'multi<<EOF\\nline one\\nline=two\\nEOF\\n' >> "$GITHUB_OUTPUT"
                echo "FOO=bar" >> "$GITHUB_ENV"
                mkdir -p "$RUNNER_TEMP/bin"
                printf '#!/bin/sh\\necho hello-from-path\\n' > "$RUNNER_TEMP/bin/hello"
                chmod +x "$RUNNER_TEMP/bin/hello"
                echo "$RUNNER_TEMP/bin" >> "$GITHUB_PATH"
                echo "# from a" >> "$GITHUB_STEP_SUMMARY"
            - id: b
              shell: bash
              env:
                X: ${{ steps.a.outputs.x }}
                WHO: ${{ inputs.who }}
                NUMBER: ${{ github.event.issue.number }}
              run: |
                echo "seen=$X $FOO $WHO $NUMBER $FROM_CALLER $(hello)" >> "$GITHUB_OUTPUT"
                echo "# from b" >> "$GITHUB_STEP_SUMMARY"
        """)  # fmt: skip
    assert not job.failed, job.log()
    assert job.outputs == {
        "x": "1 bar octo/textkit 7 yes hello-from-path",
        "multi": "line one\nline=two",
    }
    assert job.summary == "# from a\n# from b\n"
    assert "GITHUB_TOKEN" not in job.step("b").env  # github.token is a context, not a variable


def test_a_failed_step_skips_what_follows_unless_its_if_says_otherwise(tmp_path: Path) -> None:
    job = _run(tmp_path, """
        runs:
          using: composite
          steps:
            - {id: tolerated, shell: bash, run: "exit 2", continue-on-error: true}
            - {id: ok, shell: bash, run: "true"}
            - {id: broken, shell: bash, run: "false | true"}
            - {id: next, shell: bash, run: "true"}
            - {id: guarded, if: "steps.ok.outcome == 'success'", shell: bash, run: "true"}
            - {id: always, if: "always()", shell: bash, run: "true"}
            - {id: on_failure, if: "${{ failure() }}", shell: bash, run: "true"}
            - {id: on_success, if: "success()", shell: bash, run: "true"}
        """)  # fmt: skip
    outcomes = {s.id: (s.outcome, s.conclusion) for s in job.steps}
    assert outcomes == {
        "tolerated": ("failure", "success"),
        "ok": ("success", "success"),
        "broken": ("failure", "failure"),  # pipefail: a failure inside a pipeline counts
        "next": ("skipped", "skipped"),
        "guarded": ("skipped", "skipped"),  # an if without a status function needs success()
        "always": ("success", "success"),
        "on_failure": ("success", "success"),
        "on_success": ("skipped", "skipped"),
    }
    assert job.failed
    assert "exit code 1" in job.step("broken").log


@pytest.mark.parametrize(
    ("where", "expected"),
    [
        ("env: {X: '${{ inputs.modle }}'}", "inputs has no 'modle'"),
        ("env: {X: '${{ steps.nope.outputs.x }}'}", "steps has no 'nope'"),
        ("env: {X: '${{ github.tokne }}'}", "github has no 'tokne'"),
        ("env: {X: \"${{ hashFiles('a') }}\"}", "hashFiles() is not supported"),
        ("env: {X: '${{ matrix.os }}'}", "unknown context 'matrix'"),
        ("if: inputs.model = 'a'", "cannot read"),
    ],
)
def test_what_it_cannot_read_fails_instead_of_reading_empty(
    tmp_path: Path, where: str, expected: str
) -> None:
    action = f"""
        inputs:
          model: {{default: ""}}
        runs:
          using: composite
          steps:
            - shell: bash
              {where}
              run: "true"
        """
    with pytest.raises(ExpressionError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        _run(tmp_path, action)


def test_unknown_inputs_actions_and_with_keys_are_refused(tmp_path: Path) -> None:
    uses_cache = """
        runs:
          using: composite
          steps:
            - uses: actions/cache/restore@v5
              with: {key: k, path: p, retention: 3}
        """
    restore, _ = cache_pair(tmp_path / "store")
    with pytest.raises(SimulationError, match="has no inputs"):
        _run(tmp_path, uses_cache, uses={"actions/cache/restore@v5": restore})
    with pytest.raises(SimulationError, match="no stand-in for uses: actions/cache/restore@v5"):
        _run(tmp_path, uses_cache)
    with pytest.raises(SimulationError, match="does not declare"):
        _run(tmp_path, "runs: {using: composite, steps: []}", {"model": "x"})


def test_expressions_follow_githubs_rules() -> None:
    ctx = {"inputs": Strict("inputs", {"n": "3", "e": "", "name": "Dagger"})}
    assert evaluate("inputs.name == 'dagger'", ctx) is True  # strings: case does not matter
    assert evaluate("inputs.n == 3", ctx) is True  # different types compare as numbers
    assert evaluate("inputs.e == 0", ctx) is True
    assert evaluate("inputs.e || 'fallback'", ctx) == "fallback"  # || returns an operand
    assert evaluate("inputs.n && inputs.name", ctx) == "Dagger"
    assert evaluate("!inputs.e && (inputs.n > 2)", ctx) is True
    assert evaluate("format('{0}-{1}{{x}}', inputs.n, 'a')", ctx) == "3-a{x}"
    assert evaluate("startsWith('/Optimize now', '/optimize')", ctx) is True
    assert evaluate("'it''s'", ctx) == "it's"
    assert evaluate_if("inputs.e == ''", ctx, Status(failed=True)) is False
    assert evaluate_if("always() && inputs.e == ''", ctx, Status(failed=True)) is True


def test_file_commands_read_lines_and_heredocs() -> None:
    text = "a=1\nb<<X\nfirst\n\nthird\nX\nc==d\n"
    assert parse_file_command(text) == {"a": "1", "b": "first\n\nthird", "c": "=d"}
    with pytest.raises(SimulationError, match="no closing"):
        parse_file_command("b<<X\nnever closed\n")
    with pytest.raises(SimulationError, match="not name=value"):
        parse_file_command("just words\n")


def test_cache_stand_ins_hit_only_on_a_saved_key(tmp_path: Path) -> None:
    restore, save = cache_pair(tmp_path / "store")
    target = tmp_path / "venv"

    def call(key: str) -> Call:
        return Call({"key": key, "path": str(target)}, tmp_path, tmp_path)

    assert restore(call("k1"))["cache-hit"] == "false"
    target.mkdir()
    (target / "f").write_text("saved")
    (target / "link").symlink_to("f")
    save(call("k1"))
    save(call("k1"))  # a second save of the same key is a warning, as on GitHub
    (target / "f").write_text("changed")
    assert restore(call("k2"))["cache-hit"] == "false"
    assert restore(call("k1"))["cache-hit"] == "true"
    assert (target / "f").read_text() == "saved" and (target / "link").is_symlink()
    assert restore.store.saved == ["k1"] and restore.store.restored == ["k1"]


def test_upload_stand_in_keeps_visible_files_and_the_retention(tmp_path: Path) -> None:
    upload = upload_artifact(tmp_path / "artifacts")
    out = tmp_path / "out"
    (out / "sub").mkdir(parents=True)
    (out / "verdict.json").write_text("{}")
    (out / "sub" / "trace.jsonl").write_text("")
    (out / ".hidden").write_text("")
    upload(Call({"name": "a", "path": str(out), "retention-days": "7"}, tmp_path, tmp_path))
    artifact = upload.uploaded["a"]
    assert artifact.files == ("sub/trace.jsonl", "verdict.json")
    assert artifact.retention_days == 7
    empty = tmp_path / "empty"
    empty.mkdir()
    warned = Call(
        {"name": "b", "path": str(empty), "if-no-files-found": "warn"}, tmp_path, tmp_path
    )
    assert upload(warned) == {} and "b" not in upload.uploaded
