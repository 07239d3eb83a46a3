"""``ciopt discover``'s flow, and a run's when its request names no target: the project's
hottest functions, found by running its benchmarks once under the profiler.

The benchmarks run in a worktree of the base commit, with the client's interpreter and through
the session's executor, as every other run of the client's code does, each benchmarked function
called once (``--benchmark-disable``) under cProfile (``inject/ciopt_profile.py --discover``);
the profile's functions are named and ranked in ``flows.ranking``. The result is traced (the
``discovery`` event) and written to ``discovery.json``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ciopt.client import (
    Client,
    Worktrees,
    cannot_import,
    import_errors,
    included_files,
    open_client,
)
from ciopt.errors import BaselineError, RequestError
from ciopt.flows.ranking import rank
from ciopt.flows.session import Session
from ciopt.git import Git
from ciopt.inject import INJECT_DIR
from ciopt.request import selector_paths
from ciopt.verdict import Discovery

__all__ = ["discover"]

PYTEST_ARGS = ("--benchmark-disable", "-q", "-p", "no:cacheprovider", "-p", "ciopt_probe")


def discover(session: Session, git: Git, *, bench: Sequence[str], top: int) -> Discovery:
    """The project's functions ranked by their share of the time of the benchmarks ``bench``
    selects, at the session's base commit; its ``targets`` are the first ``top``.

    Raises ``RequestError`` when a selector names no file, ``BaselineError`` when the
    benchmarks fail or select nothing, or when none of the project's own code is hot.
    """
    settings, tracer = session.settings, session.tracer
    if top < 1:
        raise RequestError(f"top={top}: discover at least one target (top=1 or more)")
    with tracer.span("discover", bench=list(bench), top=top) as sp, Worktrees(git) as trees:
        sha = git.resolve(settings.base)
        included = included_files(git, settings.worktree_include, ())
        tracer.event("worktree.include", **included.fields())
        trees.include = included.files
        root = trees.add("discover", sha)
        for path in selector_paths(*bench):
            if not (root / path).exists():
                raise RequestError(
                    f"bench {path} does not exist at {sha[:12]}; name an existing benchmark "
                    "file or folder"
                )
        executor = session.open_executor()
        client = open_client(settings, git, root, session.environ, executor, ledger=session.ledger)
        profile = _profile(client, root, session.out.work, bench, settings.test_timeout)
        found = rank(profile, root, bench=bench, top=top, base=sha)
        sp.set(
            base=sha,
            bench_s=found.bench_s,
            tests=found.tests,
            targets=found.targets,
            negligible=found.negligible,
        )
        if not found.targets:
            raise BaselineError(
                f"none of the project's own code is hot in {' '.join(bench)} (no function "
                f"outside tests, benchmarks and installed packages takes {found.min_share:.1%} "
                "of its time); name a target (target=path/to/module.py::function) or benchmarks "
                "that call the project's code",
                reason="nothing_hot",
            )
    tracer.event("discovery", **found.model_dump(mode="json", by_alias=True))
    session.out.write_discovery(found)
    return found


def _profile(
    client: Client, root: Path, work: Path, bench: Sequence[str], timeout: float
) -> dict[str, object]:
    """The benchmarks' profile, as ``ciopt_profile.py --discover`` wrote it."""
    dest, probe_out = work / "discovery.profile.json", work / "discovery.probe.json"
    dest.unlink(missing_ok=True)
    probe_out.unlink(missing_ok=True)
    script = INJECT_DIR / "ciopt_profile.py"
    argv = [str(script), str(dest), str(root), "--discover", "--", *bench, *PYTEST_ARGS]
    done = client.run(root, argv, timeout=timeout, CIOPT_PROBE_OUT=str(probe_out))
    report = client.probe(root, done, probe_out)
    selection = " ".join(bench)
    if not done.ok and (errors := import_errors(report)):
        raise cannot_import(errors)
    if done.returncode == 5 or (done.ok and not report.tests):
        raise BaselineError(
            f"bench={selection} selects no test; name benchmark files or folders (pytest "
            "selectors) whose tests call the project's code",
            reason="no_benchmark",
        )
    if not done.ok or not dest.is_file():
        failed = sorted(t for t, outcome in report.tests.items() if outcome in ("failed", "error"))
        if failed:
            what = failed[0] + (f" and {len(failed) - 1} more" if len(failed) > 1 else "")
        else:  # the process itself failed: how, and its last line
            what = " ".join(f"{done.describe()}: {done.tail(1)}".split())
        raise BaselineError(
            f"the benchmarks fail under the profiler ({what}); fix them (pytest {selection} "
            "--benchmark-disable) or name others",
            reason="benchmarks_failed",
        )
    data: dict[str, object] = json.loads(dest.read_text(encoding="utf-8"))
    return data
