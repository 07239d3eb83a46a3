"""What several test folders share: paths, git, the example, requests, fakes of the outside.

Small helpers are re-exported here (``from tests.helpers import git, ROOT``); the fakes are
modules of their own: ``fake_github``, ``fake_gitlab``, ``fake_jira`` (stateful ``responses``
fakes of the forges), ``serve`` (a fake served over HTTP for subprocesses), ``fake_engine`` and
``dagger_schema`` (a Dagger engine session), ``lock_index`` (a package index from the future).
"""

from __future__ import annotations

from tests.helpers.client import local_client, recorded_replayer, small_project
from tests.helpers.repo import EXAMPLES, ROOT, git, make_repo
from tests.helpers.requests import BENCH, ISSUE_BODY, REQUEST, winner_script
from tests.helpers.tools import REQUIRE_TOOLS, require_command
from tests.helpers.traces import parse_otlp, prompts

__all__ = [
    "BENCH",
    "EXAMPLES",
    "ISSUE_BODY",
    "REQUEST",
    "REQUIRE_TOOLS",
    "ROOT",
    "git",
    "local_client",
    "make_repo",
    "parse_otlp",
    "prompts",
    "recorded_replayer",
    "require_command",
    "small_project",
    "winner_script",
]
