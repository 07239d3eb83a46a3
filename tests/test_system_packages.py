"""requirements/system.py: make demo and make test stop at once, in one line, when a Debian
package they need is missing, and say how to install it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import ROOT

SCRIPT = ROOT / "requirements" / "system.py"


def _check(target: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(SCRIPT), target],
        env={"PATH": str(path)},
        capture_output=True,
        text=True,
        check=False,
    )


def _path_with(tmp_path: Path, *commands: str) -> Path:
    """A PATH folder holding only ``commands`` (links to this machine's, or stand-ins)."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for name in commands:
        found = shutil.which(name)
        if found:
            (folder / name).symlink_to(found)
        else:
            (folder / name).write_text("#!/bin/sh\n")
            (folder / name).chmod(0o755)
    return folder


@pytest.mark.parametrize(
    ("target", "present", "named"),
    [
        ("test", ("git", "bwrap", "npm", "valgrind", "chromium", "tmux", "debootstrap"), ["rsync"]),
        (
            "test",
            ("git", "debootstrap"),
            ["bubblewrap", "rsync", "npm", "valgrind", "chromium", "tmux"],
        ),
        ("demo", ("bwrap",), ["git"]),
        ("demo", ("git",), ["bubblewrap"]),
    ],
)
def test_a_missing_package_stops_make_with_one_line_and_the_command(
    target: str, present: tuple[str, ...], named: list[str], tmp_path: Path
) -> None:
    done = _check(target, _path_with(tmp_path, *present))
    assert done.returncode == 1 and done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"make {target} needs Debian packages this machine lacks: ")
    assert f"apt-get install -y {' '.join(named)}`" in line
    assert line.endswith(f"then run make {target} again")


def test_nothing_is_printed_when_every_package_is_there(tmp_path: Path) -> None:
    present = ("git", "bwrap", "rsync", "npm", "valgrind", "chromium", "tmux", "debootstrap")
    done = _check("test", _path_with(tmp_path, *present))
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
