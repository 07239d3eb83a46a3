"""action.yml and the example workflows against GitHub's schemas (check-jsonschema's built-in
copies: no network), and broken copies rejected, so a pass means something."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

WORKFLOWS = sorted((ROOT / "examples" / "github").glob("*.yml"))
CHECK = Path(sys.executable).parent / "check-jsonschema"


def _check(schema: str, *files: Path) -> subprocess.CompletedProcess[str]:
    # any attempt to reach the network goes to a closed port and fails
    env = {**os.environ, "HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9"}
    return subprocess.run(
        [str(CHECK), "--no-cache", "--builtin-schema", schema, *map(str, files)],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


def test_the_action_matches_the_actions_schema() -> None:
    done = _check("vendor.github-actions", ROOT / "action.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_there_is_an_example_per_way_to_start_ciopt() -> None:
    names = {path.stem for path in WORKFLOWS}
    assert names == {
        "issue-labeled", "pr-comment", "dispatch", "schedule", "jira-dispatch", "fanout",
    }  # fmt: skip


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_each_example_matches_the_workflows_schema(workflow: Path) -> None:
    done = _check("vendor.github-workflows", workflow)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("source", "schema", "old", "new"),
    [
        ("action.yml", "vendor.github-actions", "using: composite", "using: compose"),
        ("action.yml", "vendor.github-actions", "      shell: bash\n", ""),  # run needs shell
        (
            "examples/github/issue-labeled.yml",
            "vendor.github-workflows",
            "issues: write",
            "issues: admin",
        ),
        (
            "examples/github/pr-comment.yml",
            "vendor.github-workflows",
            "cancel-in-progress: false",
            "cancel-in-progress: [false]",
        ),
    ],
)
def test_a_broken_copy_is_rejected(
    tmp_path: Path, source: str, schema: str, old: str, new: str
) -> None:
    text = (ROOT / source).read_text()
    assert old in text
    broken = tmp_path / Path(source).name
    broken.write_text(text.replace(old, new, 1))
    done = _check(schema, broken)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Schema validation errors were encountered" in done.stdout + done.stderr
