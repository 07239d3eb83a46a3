"""Claiming a request so that two pipelines never work on one.

The claim is written in the progress comment's hidden marker (its key, state, CI run and time)
and shown by labels: ``optimize`` -> ``optimize:running`` -> ``optimize:done`` or
``optimize:failed``. Only comments ciopt wrote count: by its own account (``me``, the login the
forge reports for its token), not any other person's or bot's, so nobody (a person, another app
or workflow) can block a request or take its comment over by planting a marker. A running claim
older than ``claim_expiry_minutes`` is stale (its job died) and is taken over. When two jobs
claim at the same moment, the older comment wins and the other job steps back.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from ciopt.forges import Comment

__all__ = ["Claim", "Decision", "Labels", "ci_run", "decide", "marker", "read_marker"]

MARK = re.compile(r"<!-- ciopt:progress (\{.*?\}) -->")

State = Literal["running", "done", "failed", "refused", "yielded"]


class Claim(BaseModel):
    model_config = ConfigDict(frozen=True)

    key: str  # what is claimed: issue-12, pr-7, or comment-<id> for a comment's request
    state: State
    run: str  # the CI run (GitHub run id, GitLab pipeline id): its retries are the same job
    at: datetime
    head: str | None = None  # a pull request's head when claimed: the only commit that may run


class Labels(BaseModel):
    """The label that asks, and the three that show a claim's state."""

    model_config = ConfigDict(frozen=True)

    ask: str

    @property
    def running(self) -> str:
        return f"{self.ask}:running"

    @property
    def done(self) -> str:
        return f"{self.ask}:done"

    @property
    def failed(self) -> str:
        return f"{self.ask}:failed"


def ci_run(environ: Mapping[str, str], fallback: str) -> str:
    """The CI run a claim belongs to: its jobs (a retry, a fanned-out run's plan, units and
    gather) are one run. ``CIOPT_RUN_ID`` carries a GitLab parent pipeline's id into its child
    pipeline, whose own ``CI_PIPELINE_ID`` differs."""
    for name in ("CIOPT_RUN_ID", "GITHUB_RUN_ID", "CI_PIPELINE_ID"):
        if environ.get(name):
            return environ[name]
    return fallback


def marker(claim: Claim) -> str:
    return f"<!-- ciopt:progress {claim.model_dump_json()} -->"


def read_marker(body: str) -> Claim | None:
    found = MARK.search(body)
    if not found:
        return None
    try:
        return Claim.model_validate(json.loads(found[1]))
    except (ValueError, ValidationError):
        return None


class Decision(BaseModel):
    """What a job may do: ``go`` (editing ``mine`` if it exists) or stay out (``busy``)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    go: bool
    mine: Comment | None = None  # this key's progress comment from an earlier run, to edit
    holder: Comment | None = None  # the live claim that keeps this job out
    expired: tuple[Claim, ...] = ()  # stale claims taken over


def decide(
    comments: list[Comment],
    *,
    me: str,
    key: str,
    run: str,
    expiry: timedelta,
    now: datetime | None = None,
    mine_id: int | None = None,
) -> Decision:
    """Whether this job (``run``) may work on ``key``, given the thread's comments.

    Before claiming, any live claim of another run keeps it out. After claiming (``mine_id``:
    its own comment), only an older live claim does: of two simultaneous claims, the first wins.
    Only markers in comments by ``me`` (ciopt's own login) are claims; with no ``me``, none are.
    """
    now = now or datetime.now(UTC)
    trusted = [(c, claim) for c in comments if (claim := _claim(c, me)) is not None]
    mine = next((c for c, claim in reversed(trusted) if claim.key == key), None)
    if mine_id is not None:
        mine = next((c for c, _ in trusted if c.id == mine_id), mine)
    expired: list[Claim] = []
    for comment, claim in trusted:
        if claim.state != "running" or claim.run == run or comment.id == mine_id:
            continue
        if now - claim.at > expiry:
            expired.append(claim)
        elif mine_id is None or comment.id < mine_id:
            return Decision(go=False, mine=mine, holder=comment)
    return Decision(go=True, mine=mine, expired=tuple(expired))


def _claim(comment: Comment, me: str) -> Claim | None:
    """The claim in ``comment`` when ciopt's own account (``me``) wrote it."""
    if not me or comment.author.login.lower() != me.lower():
        return None
    return read_marker(comment.body)
