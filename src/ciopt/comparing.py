"""Two commits measured against each other: the engine of ``ciopt compare`` and ``calibrate``.

Both sides are prepared once (a worktree each, outside the repository); the client's own Python
runs them through the executor with a scrubbed environment, as in ``ciopt run``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ciopt.budget import Ledger
from ciopt.client import Client, find_python
from ciopt.config import Settings
from ciopt.errors import RequestError
from ciopt.executors import Executor
from ciopt.git import Git
from ciopt.measure import BenchOptions, Comparison, Design, run_experiment
from ciopt.measure.counted import compare_instructions
from ciopt.request import selector_paths
from ciopt.trace import Tracer
from ciopt.workspace import Worktrees

__all__ = ["Sides", "default_bench", "measure_sides", "open_client"]


@dataclass(frozen=True)
class Sides:
    base_sha: str
    head_sha: str
    base: Path
    head: Path


def default_bench(root: Path) -> tuple[str, ...]:
    """``benchmarks/`` when the project has one, else the whole project."""
    return ("benchmarks",) if (root / "benchmarks").is_dir() else (".",)


def open_client(
    settings: Settings,
    git: Git,
    root: Path,
    environ: Mapping[str, str],
    executor: Executor,
    *,
    ledger: Ledger | None = None,
) -> Client:
    """The client's interpreter, importing the project's packages from the worktree first.

    With a ``ledger``, each of its processes is charged to ``subprocess_calls``.
    """
    layout = root / "src" if (root / "src").is_dir() else root
    packages = sorted(
        p.name
        for p in layout.iterdir()
        if (p / "__init__.py").is_file() and p.name not in ("tests", "benchmarks")
    )
    client = Client(
        find_python(git.path, settings.python),
        executor,
        environ=environ,
        pass_env=settings.pass_env,
        import_roots=["src" if layout != root else ""],
        modules=packages,
        ledger=ledger,
    )
    client.check_tools(root)
    return client


def prepare(trees: Worktrees, git: Git, base: str, head: str, selectors: tuple[str, ...]) -> Sides:
    """A worktree per side, each holding every benchmark path that ``selectors`` name."""
    shas = {"base": git.resolve(base), "head": git.resolve(head)}
    roots = {side: trees.add(side, sha) for side, sha in shas.items()}
    for side, root in roots.items():
        for path in selector_paths(*selectors):
            if not (root / path).exists():
                raise RequestError(
                    f"--bench {path} does not exist at {side} ({shas[side][:12]}); "
                    "name an existing benchmark file or folder"
                )
    return Sides(shas["base"], shas["head"], roots["base"], roots["head"])


def measure_sides(
    client: Client,
    sides: Sides,
    options: BenchOptions,
    design: Design,
    *,
    measure: str,
    ledger: Ledger,
    tracer: Tracer,
    bench_dir: Path,
    **span: object,
) -> Comparison:
    """Measure head against base in wall time (an experiment) or in instructions."""
    with tracer.span("measure", measure=measure, pairing=design.pairing, **span) as sp:
        if measure == "instructions":
            comparison = compare_instructions(
                client, sides.base, sides.head, options, design, work_dir=bench_dir
            )
        else:
            comparison = run_experiment(
                client,
                sides.base,
                sides.head,
                options,
                design,
                ledger=ledger,
                bench_dir=bench_dir,
                on_round=lambda i, m: tracer.event("measure.round", round=i, medians=m),
            )
        sp.set(
            verdict=comparison.verdict,
            ratio=comparison.overall.ratio,
            ci=list(comparison.overall.ci),
            stopped_by=comparison.stopped_by,
            looks=[look.__dict__ for look in comparison.looks],
            warnings=comparison.warnings,
        )
    return comparison
