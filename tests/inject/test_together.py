"""``ciopt_together.py``, the driver that starts a duet round's commands together."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from ciopt.inject import INJECT_DIR

DRIVER = INJECT_DIR / "ciopt_together.py"


def run(spec: dict[str, Any], tmp_path: Path) -> list[dict[str, Any]]:
    path = tmp_path / "spec.json"
    path.write_text(json.dumps(spec))
    done = subprocess.run(
        [sys.executable, str(DRIVER), str(path)],
        capture_output=True,
        text=True,
        check=True,
        env={"PATH": "/usr/bin:/bin", "FROM_DRIVER": "1"},
    )
    results: list[dict[str, Any]] = json.loads(done.stdout)
    return results


def job(tmp_path: Path, code: str, **env: str) -> dict[str, Any]:
    return {"cwd": str(tmp_path), "argv": [sys.executable, "-c", code], "env": env}


def test_every_command_is_started_before_any_is_waited_for(tmp_path: Path) -> None:
    """Each waits for the other's file: one after the other, neither would finish."""
    wait = (
        "import os, sys, time; me, other = sys.argv[1:] if len(sys.argv) > 2 else (None, None)\n"
        "me, other = os.environ['ME'], os.environ['OTHER']; open(me, 'w').close()\n"
        "t = time.time()\n"
        "while not os.path.exists(other):\n"
        "    assert time.time() - t < 10; time.sleep(0.01)\n"
        "print(os.environ['FROM_DRIVER'], os.environ['CIOPT_BARRIER_PARTIES'])"
    )
    a, b = str(tmp_path / "a"), str(tmp_path / "b")
    spec = {
        "jobs": [job(tmp_path, wait, ME=a, OTHER=b), job(tmp_path, wait, ME=b, OTHER=a)],
        "timeout": 30,
        "barrier": True,
    }
    results = run(spec, tmp_path)
    assert [(r["returncode"], r["stdout"]) for r in results] == [(0, "1 2\n"), (0, "1 2\n")]
    assert not any(r["timed_out"] for r in results)


def test_a_command_past_the_timeout_is_killed(tmp_path: Path) -> None:
    started = time.monotonic()
    slow, quick = job(tmp_path, "import time; time.sleep(60)"), job(tmp_path, "print('ok')")
    results = run({"jobs": [slow, quick], "timeout": 1}, tmp_path)
    assert (results[0]["returncode"], results[0]["timed_out"]) == (-1, True)
    assert (results[1]["returncode"], results[1]["stdout"]) == (0, "ok\n")
    assert time.monotonic() - started < 20


def test_a_command_that_cannot_start_says_why(tmp_path: Path) -> None:
    missing = {"cwd": str(tmp_path), "argv": [str(tmp_path / "nope")], "env": {}}
    [result] = run({"jobs": [missing], "timeout": 5}, tmp_path)
    assert result["returncode"] == 127
    assert "cannot start" in result["stderr"]


def test_one_cpu_is_chosen_for_all(tmp_path: Path) -> None:
    show = "import os; print(os.environ['CIOPT_PIN_CPU'])"
    results = run({"jobs": [job(tmp_path, show)] * 2, "timeout": 10, "pin_cpu": True}, tmp_path)
    assert results[0]["stdout"] == results[1]["stdout"]
    assert int(results[0]["stdout"]) >= 0
