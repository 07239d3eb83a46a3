from __future__ import annotations

import json
from pathlib import Path

from ciopt.forges.fork import fork_context


def _event(tmp_path: Path, head_repo: str | None) -> dict[str, str]:
    payload = {
        "pull_request": {
            "number": 8,
            "head": {"repo": {"full_name": head_repo} if head_repo else None},
        },
        "repository": {"full_name": "octo/textkit"},
    }
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload))
    return {"GITHUB_EVENT_NAME": "pull_request", "GITHUB_EVENT_PATH": str(path)}


def test_a_github_pull_request_from_a_fork_is_recognised(tmp_path: Path) -> None:
    assert fork_context(_event(tmp_path, "mallory/textkit")) == (
        "pull request #8 comes from mallory/textkit"
    )
    assert fork_context(_event(tmp_path, None)) == "pull request #8 comes from a deleted fork"
    assert fork_context(_event(tmp_path, "octo/textkit")) is None


def test_a_gitlab_merge_request_from_a_fork_is_recognised() -> None:
    env = {
        "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "99",
        "CI_MERGE_REQUEST_PROJECT_ID": "42",
        "CI_MERGE_REQUEST_SOURCE_PROJECT_PATH": "mallory/textkit",
        "CI_MERGE_REQUEST_IID": "5",
    }
    assert fork_context(env) == "merge request !5 comes from mallory/textkit"
    assert fork_context({**env, "CI_MERGE_REQUEST_SOURCE_PROJECT_ID": "42"}) is None
    assert fork_context({}) is None
