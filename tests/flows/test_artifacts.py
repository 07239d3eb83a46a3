from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from ciopt.flows import Session
from ciopt.flows.artifacts import OutputDir, results_line
from ciopt.trace.redact import Redactor
from ciopt.verdict import Verdict

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
    out.close()


def test_work_is_a_temporary_folder_outside_the_output_folder(tmp_path: Path) -> None:
    """Pickled recordings may hold what the tests passed (a password): by default they are
    never in the output folder, the CI artifact, and are gone when the command ends."""
    out = OutputDir(tmp_path / "out")
    assert not out.work.is_relative_to(out.path) and out.work.is_dir()
    (out.work / "recording.pkl").write_bytes(pickle.dumps({"password": TOKEN}))
    assert out.work not in out.owned() and not (out.path / "work").exists()
    out.close()
    assert not out.work.exists()
    assert [p.name for p in out.path.iterdir()] == ["bench"]


def test_keep_work_keeps_it_in_the_output_folder_and_scrubs_it(tmp_path: Path) -> None:
    out = OutputDir(tmp_path / "out", keep_work=True)
    assert out.work == out.path / "work" and out.work in out.owned()
    (out.work / "profile.json").write_text(f'{{"env": "{TOKEN}"}}')
    changed = [p for owned in out.owned() for p in Redactor().scrub_tree(owned)]
    assert changed == [out.work / "profile.json"]
    out.close()
    assert "[REDACTED:github:" in (out.work / "profile.json").read_text()


def test_a_kept_work_folder_of_an_earlier_run_is_removed(tmp_path: Path) -> None:
    OutputDir(tmp_path / "out", keep_work=True)
    (tmp_path / "out" / "work" / "recording.pkl").write_bytes(b"earlier")
    out = OutputDir(tmp_path / "out")
    assert not (tmp_path / "out" / "work").exists()
    out.close()


@pytest.mark.parametrize("keep", [False, True])
def test_a_session_removes_its_work_folder_unless_kept(tmp_path: Path, keep: bool) -> None:
    environ = {"DB_PASSWORD": "correct-horse-battery"}
    with Session(
        "compare", tmp_path, environ, out=tmp_path / "out", keep_work=keep or None
    ) as session:
        work = session.out.work
        (work / "base.tests.probe.json").write_text('{"seen": "correct-horse-battery"}')
    assert work.exists() is keep
    assert (tmp_path / "out" / "work").exists() is keep
    if keep:
        text = (work / "base.tests.probe.json").read_text()
        assert "correct-horse-battery" not in text and "[REDACTED:env:" in text


def test_the_results_line_names_every_file_a_command_wrote(tmp_path: Path) -> None:
    out = OutputDir(tmp_path / "out", keep_work=True)
    out.write_verdict(Verdict(verdict="faster", reason="verified_faster", message="m"))
    out.write("plan.json", "{}")
    out.write("calibration.json", "{}")
    (tmp_path / "out" / "notes.txt").write_text("a person's file, not ciopt's")
    line = results_line(out.path)
    assert line == (
        f"results: {out.path}/ (verdict.json, plan.json, calibration.json, bench/, work/)"
    )
