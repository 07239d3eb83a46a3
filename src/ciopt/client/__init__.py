"""The client's side: its interpreter, its targets, and the worktrees its code runs in.

interpreter   the client's Python, running its pytest through an executor with a scrubbed
              environment and ciopt's injected plugins; ``open_client`` for a worktree
targets       the functions a request names, found in the source, placed on the import path
worktrees     one git worktree per side (base, head, each candidate), outside the repository
include       the files git ignores that the package needs, copied into each worktree
imports       a package a worktree cannot import, as one line that says why
"""

from __future__ import annotations

from ciopt.client.imports import cannot_import, import_errors
from ciopt.client.include import Included, included_files
from ciopt.client.interpreter import PYTEST_BASE, Client, ProbeReport, find_python, open_client
from ciopt.client.targets import Target, locate, resolve_target
from ciopt.client.worktrees import Sides, Worktrees, default_bench, prepare

__all__ = [
    "PYTEST_BASE",
    "Client",
    "Included",
    "ProbeReport",
    "Sides",
    "Target",
    "Worktrees",
    "cannot_import",
    "default_bench",
    "find_python",
    "import_errors",
    "included_files",
    "locate",
    "open_client",
    "prepare",
    "resolve_target",
]
