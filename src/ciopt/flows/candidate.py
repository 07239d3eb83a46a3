"""One candidate, from proposed edits to a fate: apply, guard, test, measure."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from ciopt.agent import EditError, Proposal, apply_edits
from ciopt.budget import Ledger
from ciopt.client import Client, Sides, Worktrees
from ciopt.errors import RequestError
from ciopt.flows.artifacts import OutputDir
from ciopt.flows.verdicts import candidate_verdict
from ciopt.git import Git
from ciopt.measure import BenchOptions, Design, measure_sides
from ciopt.trace import Tracer
from ciopt.verdict import CandidateRecord
from ciopt.verify import Verifier

__all__ = ["Baseline", "Bench", "evaluate"]


@dataclass(frozen=True)
class Baseline:
    sha: str
    root: Path
    verifier: Verifier


@dataclass(frozen=True)
class Bench:
    """How candidates are measured against the baseline."""

    options: BenchOptions
    design: Design
    measure: str = "walltime"


def evaluate(
    number: int,
    proposal: Proposal,
    *,
    base: Baseline,
    git: Git,
    trees: Worktrees,
    client: Client,
    bench: Bench,
    ledger: Ledger,
    tracer: Tracer,
    out: OutputDir,
) -> CandidateRecord:
    """The fate of one decoded proposal. Rejections are results, not exceptions."""
    record = CandidateRecord(
        id=number, outcome="rejected", reason="", message="", rationale=proposal.rationale
    )
    with tracer.span("candidate.apply", candidate=number) as sp:
        current = {
            e.path: (base.root / e.path).read_text()
            for e in proposal.edits
            if _inside(base.root, e.path)
        }
        try:
            changed = apply_edits(current, proposal.edits)
        except EditError as exc:
            sp.set(applied=False, error=str(exc))
            return _rejected(record, "not_applied", str(exc))
        # as long a path as the baseline's ("base"): instruction counts notice path lengths
        root = trees.add(f"c{number:03d}", base.sha)
        try:
            trees.write(root, changed)
        except RequestError as exc:
            return _rejected(record, "not_applied", str(exc))
        head = trees.commit(root, f"perf: ciopt candidate {number}\n\n{proposal.rationale}")
        record = record.model_copy(update={"head": head, "diff": git.diff(base.sha, head)})
        sp.set(applied=True, head=head)
    correctness, rejection = base.verifier.verify(git, base.sha, head, root, candidate=number)
    record = record.model_copy(update={"correctness": correctness})
    if escaped := client.escaped(root):
        return _escaped(record, escaped, tracer)
    if rejection is not None:
        return _rejected(record, rejection.reason, rejection.message)

    comparison = measure_sides(
        client,
        Sides(base.sha, head, base.root, root),
        bench.options,
        replace(bench.design, seed=bench.design.seed + number),
        measure=bench.measure,
        ledger=ledger,
        tracer=tracer,
        bench_dir=out.bench / f"cand-{number}",
        candidate=number,
    )
    if escaped := client.escaped(root):
        return _escaped(record, escaped, tracer)
    return candidate_verdict(record, comparison, bench.measure)


def _escaped(record: CandidateRecord, seen: list[str], tracer: Tracer) -> CandidateRecord:
    """A candidate whose code did what its sandbox forbids: never a result, whatever it measured."""
    tracer.event("sandbox.violation", candidate=record.id, seen=seen)
    message = "the candidate's code " + "; ".join(seen)
    return _rejected(record, "sandbox_violation", message)


def _rejected(record: CandidateRecord, reason: str, message: str) -> CandidateRecord:
    return record.model_copy(update={"outcome": "rejected", "reason": reason, "message": message})


def _inside(root: Path, rel: str) -> bool:
    path = (root / rel).resolve()
    return path.is_relative_to(root.resolve()) and path.is_file()
