"""A request that ``winner_script`` answers: one candidate for textkit's dedupe, and an issue
asking for it (the request in a ```ciopt block, a field a line)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.repo import EXAMPLES

__all__ = ["BENCH", "ISSUE_BODY", "REQUEST", "winner_script"]

BENCH = "benchmarks/test_bench_tokens.py"
REQUEST = f"target=src/textkit/tokens.py::dedupe bench={BENCH} candidates=1"
ISSUE_BODY = (
    f"dedupe is slow on long token lists.\n\n```ciopt\n{REQUEST.replace(' ', chr(10))}\n```\n"
)


def winner_script(where: Path) -> Path:
    """The demo's winning reply and its explanation (lines 4 and 5 of the demo's script): one
    candidate, verified faster. Written to ``where/winner.jsonl``."""
    lines = (EXAMPLES / "scripted" / "textkit-dedupe.jsonl").read_text().splitlines()
    path = where / "winner.jsonl"
    path.write_text(lines[3] + "\n" + lines[4] + "\n")
    return path
