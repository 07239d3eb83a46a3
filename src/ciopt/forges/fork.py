"""Is this job running for a pull/merge request from a fork? Such pipelines get no secrets (no
forge token with write access, no LLM key), so ciopt explains instead of failing."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

__all__ = ["fork_context"]

PULL_EVENTS = ("pull_request", "pull_request_review", "pull_request_review_comment")


def fork_context(environ: Mapping[str, str]) -> str | None:
    """A sentence naming the fork when the CI event comes from one, else None."""
    if environ.get("GITHUB_EVENT_NAME") in PULL_EVENTS and environ.get("GITHUB_EVENT_PATH"):
        try:
            payload = json.loads(Path(environ["GITHUB_EVENT_PATH"]).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        head = (payload.get("pull_request") or {}).get("head") or {}
        base = (payload.get("repository") or {}).get("full_name")
        source = (head.get("repo") or {}).get("full_name")
        if source != base:
            number = payload["pull_request"].get("number")
            return f"pull request #{number} comes from {source or 'a deleted fork'}"
    source_id = environ.get("CI_MERGE_REQUEST_SOURCE_PROJECT_ID")
    if source_id and source_id != environ.get("CI_MERGE_REQUEST_PROJECT_ID"):
        path = environ.get("CI_MERGE_REQUEST_SOURCE_PROJECT_PATH", f"project {source_id}")
        return f"merge request !{environ.get('CI_MERGE_REQUEST_IID', '?')} comes from {path}"
    return None
