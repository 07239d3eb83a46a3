"""A candidate whose edits cannot be applied is rejected as ``not_applied``, before a worktree is
made or anything is run. (The rest of a candidate's fate: tests/e2e/.)"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ciopt.agent import Edit, Proposal
from ciopt.flows.candidate import Baseline, evaluate
from ciopt.trace import Tracer


class Untouchable:
    """Stands in for every collaborator the early rejection must not reach."""

    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"{name} was used")


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (Edit(path="m.py", search="return 2", replace="return 3"), "m.py"),
        (Edit(path="../outside.py", search="x", replace="y"), "outside.py"),
        (Edit(path="missing.py", search="x", replace="y"), "missing.py"),
    ],
)
def test_edits_that_do_not_apply_reject_the_candidate(
    edit: Edit, said: str, tmp_path: Path
) -> None:
    root = tmp_path / "base"
    root.mkdir()
    (root / "m.py").write_text("def f():\n    return 1\n")
    (tmp_path / "outside.py").write_text("x = 1\n")
    nothing: Any = Untouchable()
    tracer = Tracer(tmp_path / "trace.jsonl")
    try:
        record = evaluate(
            7,
            Proposal(rationale="why not", edits=[edit]),
            base=Baseline("a" * 40, root, nothing),
            git=nothing,
            trees=nothing,
            client=nothing,
            bench=nothing,
            ledger=nothing,
            tracer=tracer,
            out=nothing,
        )
    finally:
        tracer.close()
    assert (record.id, record.outcome, record.reason) == (7, "rejected", "not_applied")
    assert said in record.message and record.rationale == "why not" and record.head is None
    assert (tmp_path / "outside.py").read_text() == "x = 1\n"
