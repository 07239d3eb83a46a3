"""The one place ciopt starts processes: argument lists only, never a shell, always a timeout."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ciopt.errors import CioptError

__all__ = ["Completed", "run"]


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and not self.timed_out

    def tail(self, lines: int = 15) -> str:
        """The last lines of combined output, for error messages."""
        text = (self.stdout + "\n" + self.stderr).strip()
        return "\n".join(text.splitlines()[-lines:])

    def describe(self) -> str:
        cmd = " ".join(self.argv)
        if self.timed_out:
            return f"`{cmd}` timed out after {self.seconds:.0f}s"
        return f"`{cmd}` exited {self.returncode}"


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 600.0,
    check: bool = False,
    stdin: str | None = None,
) -> Completed:
    """Run ``argv`` and capture its output; with ``check``, a failure raises ``CioptError``."""
    args = tuple(str(a) for a in argv)
    start = time.perf_counter()
    try:
        proc = subprocess.run(
            args,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            input=stdin,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=timeout,
            check=False,
        )
    except FileNotFoundError as exc:
        raise CioptError(f"cannot run `{args[0]}`: it is not installed or not on PATH") from exc
    except subprocess.TimeoutExpired as exc:
        out = _text(exc.stdout)
        err = _text(exc.stderr)
        done = Completed(args, -1, out, err, time.perf_counter() - start, timed_out=True)
        if check:
            raise CioptError(f"{done.describe()}: {done.tail(5)}") from exc
        return done
    done = Completed(args, proc.returncode, proc.stdout, proc.stderr, time.perf_counter() - start)
    if check and not done.ok:
        raise CioptError(f"{done.describe()}: {done.tail(5)}")
    return done


def _text(data: bytes | str | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data
