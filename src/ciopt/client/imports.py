"""A package a worktree cannot import: the probe's report of it, as one line that says why.

When its pytest session ends, the probe (``inject/ciopt_probe.py``) imports the modules ciopt
asked about and reports each failure with the file and line inside the worktree where it
happened. Most often a worktree lacks a file that the build backend writes at install and git
ignores, which ``worktree_include`` names.
"""

from __future__ import annotations

from collections.abc import Mapping

from ciopt.client.interpreter import ProbeReport
from ciopt.errors import BaselineError

__all__ = ["cannot_import", "import_errors"]

HINT = (
    "if that file is generated at install (setuptools-scm, hatch-vcs, built extensions) and "
    "ignored by git, name it in worktree_include"
)


def import_errors(report: ProbeReport) -> dict[str, str]:
    """Each module the session could not import: ``path:line: Type: message``, on one line."""
    found = {}
    for name, seen in report.modules.items():
        if error := seen.get("error"):
            where = seen.get("where")
            found[name] = " ".join((f"{where}: {error}" if where else error).split())
    return found


def cannot_import(errors: Mapping[str, str], who: str = "baseline") -> BaselineError:
    """The error of ``who`` (baseline, head, candidate N) that cannot import a module of
    ``errors``; its reason e.g. ``baseline_import_error``."""
    name, error = min(errors.items())
    return BaselineError(
        f"the {who} cannot import {name} ({error}); {HINT}",
        reason=f"{who.partition(' ')[0]}_import_error",
    )
