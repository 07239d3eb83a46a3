"""``ciopt discover``: the ranking printed as a table, ``discovery.json`` written, bad input a
one-line error. The flow itself is tested in tests/flows/test_discover.py."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ciopt.cli import main
from tests.helpers.display import without_progress


def _discover(repo: Path, python: str, out: Path, *more: str) -> int:
    return main(["discover", "--repo", str(repo), "--python", python, "--out", str(out),
                 "--executor", "local", *more])  # fmt: skip


def test_the_ranking_is_printed_and_written(
    example_repo: Path, client_python: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert _discover(example_repo, client_python, out, "--bench", "benchmarks/", "--top", "2") == 0
    written = json.loads((out / "discovery.json").read_text())
    assert written["schema"] == "ciopt.discovery/1" and written["top"] == 2
    targets = written["targets"]
    assert len(targets) == 2 and targets == [row["target"] for row in written["rows"][:2]]
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("ciopt discover: benchmarks/ at ")
    table = [line.split() for line in printed if re.match(r"\s*\*?\d+ ", line)]
    # each row: rank (the picked ones starred), target, own share, share incl. callees, calls
    assert [row[1] for row in table] == [row["target"] for row in written["rows"]]
    assert [row[0] for row in table[:3]] == ["*1", "*2", "3"]
    first = written["rows"][0]
    assert table[0][2:] == [f"{first['own_share']:.1%}", f"{first['cum_share']:.1%}", "1"]
    assert f"targets (*): {' '.join(targets)}" in printed
    assert printed[-1].startswith(f"results: {out}/ (discovery.json, ")


@pytest.mark.parametrize(
    ("flags", "said"),
    [
        (["--bench", "nowhere/"], "error: bench nowhere/ does not exist at "),
        (["--top", "0"], "error: setting 'discover_top': Input should be greater than or equal"),
    ],
)
def test_bad_input_is_one_line_that_says_what_to_do(
    example_repo: Path,
    client_python: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    said: str,
) -> None:
    assert _discover(example_repo, client_python, tmp_path / "out", *flags) == 1
    err = without_progress(capsys.readouterr().err)
    assert err.startswith(said) and err.count("\n") == 1, err
    assert not (tmp_path / "out" / "discovery.json").exists()
