"""``/optimize`` on a pull request without a target: the functions the pull request changed."""

from __future__ import annotations

import fnmatch

from ciopt.errors import RequestError
from ciopt.git import Git
from ciopt.verify import ALWAYS_FORBIDDEN, changed_functions

__all__ = ["changed_targets"]


def changed_targets(git: Git, base: str, head: str, *, limit: int) -> list[str]:
    """``path::qualname`` of the functions changed or added between the merge base of ``base``
    and ``head``, and ``head``: outside tests, benchmarks and build files, at most ``limit``.

    The functions are named as replay can call them (a nested function by its enclosing one).
    """
    merge_base = git("merge-base", base, head, check=False)
    if not merge_base:
        raise RequestError(
            f"cannot find where the pull request branched off ({base[:12]}..{head[:12]}); "
            "check out the full history (actions/checkout with fetch-depth: 0, or GIT_DEPTH: 0)"
        )
    targets: list[str] = []
    for path in git.changed_files(merge_base, head):
        if not path.endswith(".py") or any(fnmatch.fnmatch(path, p) for p in ALWAYS_FORBIDDEN):
            continue
        old, new = git.show(merge_base, path), git.show(head, path)
        for change in changed_functions(path, old, new):
            if change.kind != "removed" and change.spec not in targets:
                targets.append(change.spec)
    if not targets:
        raise RequestError(
            "the pull request changes no Python function outside tests and benchmarks; "
            "name one: /optimize target=path/to/module.py::function"
        )
    return targets[:limit]
