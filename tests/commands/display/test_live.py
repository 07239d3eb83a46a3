"""The progress on a terminal, as a person sees it: the demo run inside tmux, its screen read
while the run goes (``tmux capture-pane``); and the display drawn from a trace."""

from __future__ import annotations

import io
import shlex
import subprocess
import sys
import time
from pathlib import Path

import pytest
from rich.console import Console

from ciopt.commands.display import Follower
from ciopt.commands.display.live import Live
from tests.commands.display.records import records
from tests.helpers import EXAMPLES, require_command

SUMMARY = "ciopt: faster (verified_faster)"


def test_the_display_draws_each_phase_and_candidate_with_its_fate(tmp_path: Path) -> None:
    follower = Follower()
    for record in records(tmp_path):
        follower.feed(record)
    live = Live(io.StringIO(), follower)
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(live._render())
    screen = console.export_text()
    lines = screen.splitlines()
    assert lines[0].startswith("ciopt run ") and "none (local)" in lines[0]
    assert lines[1].startswith("✓ request ")
    assert lines[3].startswith("✗ candidate 1 of 2 rejected (not_applied): edit 1:")
    assert lines[4].startswith("✓ candidate 2 of 2 faster (verified_faster): ratio 0.5 (0.45-0.55)")
    assert lines[5].startswith("✓ publish ")
    assert "budget model calls 2/6, cost $0.00/$1.00, wall " in screen
    assert "\x1b" not in screen and "\r" not in screen  # the model's escapes are not drawn


def _screen(socket: Path) -> str:
    done = subprocess.run(
        ["tmux", "-S", str(socket), "capture-pane", "-p", "-t", "demo"],
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout


@pytest.mark.e2e
def test_the_demo_in_a_terminal_shows_steps_and_fates_before_it_ends(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    require_command("tmux", "tmux", "the live display is read from a terminal's screen")
    socket, ended, out = tmp_path / "tmux.sock", tmp_path / "exit-code", tmp_path / "out"
    command = [
        sys.executable, "-m", "ciopt", "run", "--repo", str(example_repo),
        "--request-file", str(EXAMPLES / "requests" / "textkit-dedupe.txt"),
        "--model", f"scripted:{EXAMPLES / 'scripted' / 'textkit-dedupe.jsonl'}",
        "--python", client_python, "--out", str(out),
    ]  # fmt: skip
    script = tmp_path / "run.sh"
    script.write_text(f"{shlex.join(command)}\necho $? > {ended}\nsleep 600\n")
    subprocess.run(
        ["tmux", "-u", "-S", str(socket), "new-session", "-d", "-s", "demo", "-x", "120",
         "-y", "45", f"bash {shlex.quote(str(script))}"],
        check=True,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"},
    )  # fmt: skip
    screens: list[str] = []  # what the person saw while the run went on
    try:
        deadline = time.monotonic() + 600
        while not ended.exists() and time.monotonic() < deadline:
            screen = _screen(socket)
            if not ended.exists() and SUMMARY not in screen:
                screens.append(screen)
            time.sleep(0.25)
        last = _screen(socket)
    finally:
        subprocess.run(["tmux", "-S", str(socket), "kill-server"], check=False)
    assert ended.read_text().strip() == "0", last

    def seen(*words: str) -> list[str]:
        return [s for s in screens if all(w in s for w in words)]

    # while it runs: the step running now, the phases done, each fate as it is decided, the
    # measurement's looks and the budget
    assert seen("ciopt run", "now ", "budget model calls ")
    assert seen("✓ baseline", "profile the baseline")
    assert seen("✗ candidate 1 of 4 rejected (not_applied)", "candidate 2 of 4")
    assert seen("✗ candidate 2 of 4 rejected (tests_failed)")
    assert seen("• candidate 3 of 4 slower (not_faster): ratio ")
    assert seen("measure ", " rounds, ", " of the time budget, ratio ")
    # at the end: the last frame, every fate, then the summary below it
    assert "✓ candidate 4 of 4 faster (verified_faster): ratio " in last
    assert last.index("✓ publish") < last.index(SUMMARY)
    running = seen("now ", " of the time budget, ratio ") or seen("now ")
    print("\n--- a screen while the run went on ---\n" + running[len(running) // 2].rstrip())
    print("--- the screen at the end ---\n" + last.rstrip())
