from __future__ import annotations

from pathlib import Path

from ciopt.flows.artifacts import OutputDir
from ciopt.trace.redact import Redactor

TOKEN = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def test_only_what_ciopt_wrote_is_scrubbed(tmp_path: Path) -> None:
    """With ``--out .`` the folder holds the user's files: they are never rewritten."""
    mine = tmp_path / "notes.txt"
    mine.write_text(f"my token {TOKEN}\n")
    out = OutputDir(tmp_path)
    (out.bench / "round-1-base.json").write_text(f'{{"note": "{TOKEN}"}}')
    out.trace.write_text(f"{TOKEN}\n")
    redactor = Redactor()
    changed = [p for owned in out.owned() for p in redactor.scrub_tree(owned)]
    assert sorted(changed) == sorted([out.trace, out.bench / "round-1-base.json"])
    assert TOKEN not in out.trace.read_text() and "[REDACTED:github:" in out.trace.read_text()
    assert mine.read_text() == f"my token {TOKEN}\n"
