"""ciopt's together-driver: starts several commands at the same moment, reports each as JSON.

Stdlib only; run by the container's interpreter when an executor runs a duet round in one
place (the Dagger executor, the Dagger module's ``bench``)::

    python ciopt_together.py SPEC.json

``SPEC.json`` is ``{"jobs": [{"cwd", "argv", "env"}], "timeout": seconds}``, with optional
``"barrier": true`` (a fresh folder as ``$CIOPT_BARRIER`` for every job, with
``$CIOPT_BARRIER_PARTIES``) and ``"pin_cpu": true`` (one CPU chosen here as ``$CIOPT_PIN_CPU``).
Each command gets this process's environment with its ``env`` on top; all are started, in
order, before any is waited for. Printed on stdout: one ``{"returncode", "stdout", "stderr",
"seconds", "timed_out"}`` per job, in order. A command past the timeout is killed; one that
cannot start gets 127 and the reason on stderr.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from typing import IO, Any


def _start(job: dict[str, Any], env: dict[str, str], out: IO[bytes], err: IO[bytes]) -> Any:
    try:
        return subprocess.Popen(
            job["argv"], cwd=job["cwd"], env=env, stdout=out, stderr=err, stdin=subprocess.DEVNULL
        )
    except OSError as exc:
        return exc


def _wait(proc: Any, deadline: float, start: float, result: dict[str, Any]) -> None:
    if isinstance(proc, OSError):
        result.update(returncode=127, error=f"cannot start: {proc}", seconds=0.0)
        return
    try:
        result["returncode"] = proc.wait(timeout=max(0.0, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        result.update(returncode=-1, timed_out=True)
    result["seconds"] = time.perf_counter() - start


def _read(fh: IO[bytes]) -> str:
    fh.seek(0)
    return fh.read().decode(errors="replace")


def run(spec: dict[str, Any]) -> list[dict[str, Any]]:
    jobs: list[dict[str, Any]] = spec["jobs"]
    shared: dict[str, str] = {}
    barrier = tempfile.mkdtemp(prefix="ciopt-barrier-") if spec.get("barrier") else None
    if barrier:
        shared.update(CIOPT_BARRIER=barrier, CIOPT_BARRIER_PARTIES=str(len(jobs)))
    if spec.get("pin_cpu") and hasattr(os, "sched_getaffinity"):
        cpus = sorted(os.sched_getaffinity(0))
        shared["CIOPT_PIN_CPU"] = str(random.choice(cpus))  # noqa: S311 - not cryptography
    deadline = time.monotonic() + float(spec["timeout"])
    with contextlib.ExitStack() as stack:
        files = [
            (
                stack.enter_context(tempfile.TemporaryFile()),
                stack.enter_context(tempfile.TemporaryFile()),
            )
            for _ in jobs
        ]
        started = []
        for job, (out, err) in zip(jobs, files, strict=True):
            env = {**os.environ, **job.get("env", {}), **shared}
            started.append((_start(job, env, out, err), time.perf_counter()))
        results: list[dict[str, Any]] = [{"timed_out": False} for _ in jobs]
        waiters = [
            threading.Thread(target=_wait, args=(proc, deadline, start, result))
            for (proc, start), result in zip(started, results, strict=True)
        ]
        for waiter in waiters:
            waiter.start()
        for waiter in waiters:
            waiter.join()
        for result, (out, err) in zip(results, files, strict=True):
            result["stdout"] = _read(out)
            result["stderr"] = _read(err) + result.pop("error", "")
    return results


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python ciopt_together.py SPEC.json", file=sys.stderr)
        return 2
    with open(args[0], encoding="utf-8") as fh:
        spec = json.load(fh)
    json.dump(run(spec), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
