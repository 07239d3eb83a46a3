"""Deterministic cost: instructions per benchmark call, counted by valgrind, and compared.

For each selected benchmark (a test that uses the ``benchmark`` fixture) the client's pytest runs
twice under valgrind, with the ``ciopt_instr`` plugin in place of pytest-benchmark: once calling
the benchmarked function once (a warm-up), once calling it ``1 + calls`` times. Both processes do
the same startup, collection and teardown, so the difference of their instruction totals, divided
by ``calls``, is the cost of one call. Setup work of ``benchmark.pedantic`` is done ``1 + calls``
times in both processes and cancels out too.

One benchmark per pair of processes (its node id is the only selector), so each benchmark gets its
own count; a first ``--collect-only`` run, without valgrind, lists them. The two processes of a
pair see the same environment byte for byte (``PYTHONHASHSEED`` fixed, numbers of equal width,
file names of equal length) and run with address-space randomization off where ``setarch -R``
works, so repeated counts agree to a few instructions per call. Pairs run in parallel: instruction
counts do not depend on the machine's load. The cancellation needs the worktree to stay as it is
while a pair runs (pytest lists the directories on the way to a test), so ``work_dir`` belongs
outside it. Counts do depend on the process's memory layout: the same loop has counted 1% apart
under a different number of environment variables, and a set-and-list loop 0.13% apart in
worktrees whose paths differ in length, so both sides need the same environment and worktree
paths of one length (``base``, ``head``).
Only the interpreter's own process is counted: not a benchmark's subprocesses, and not Python
behind a wrapper script (a pyenv shim), which is refused.

The counter is ``valgrind --tool=callgrind`` (``Ir``, instructions executed), without per-
instruction or jump data. pytest's own startup (about 0.8 billion instructions, some 18 s under
callgrind here) dominates each process; cachegrind with ``--cache-sim=no`` counts the same
instructions in about half the time, if that ever matters more than a familiar tool.
"""

from __future__ import annotations

import json
import math
import os
import platform
import shutil
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ciopt.client import Client
from ciopt.errors import BaselineError, EnvironmentProblem
from ciopt.measure import stats
from ciopt.measure.analysis import BenchmarkResult, Samples, is_primary
from ciopt.measure.bench import BenchOptions
from ciopt.measure.experiment import Comparison, Design
from ciopt.proc import Completed

__all__ = [
    "NOT_TIME",
    "InstrRun",
    "compare_instructions",
    "count_instructions",
    "exact",
    "read_total",
    "valgrind_prefix",
]

PYTEST_INSTR = (
    "-m",
    "pytest",
    "-p",
    "no:cacheprovider",
    "-p",
    "no:benchmark",
    "-p",
    "ciopt_instr",
    "-q",
    "-rN",
)


@dataclass(frozen=True)
class InstrRun:
    per_call: dict[str, float]  # benchmark node id -> instructions per call
    seconds: float  # wall time of the whole count
    raw: dict[str, int]  # "<node id>@<calls>" -> instruction total of that process


@dataclass(frozen=True)
class _Job:
    nodeid: str
    selector: str
    name: str  # "b003-lo": the same length for both processes of a pair
    calls: int
    setups: int


def count_instructions(
    client: Client,
    root: Path,
    selectors: Sequence[str],
    work_dir: Path,
    *,
    hashseed: int = 0,
    calls: int = 10,
    timeout: float = 900.0,
    jobs: int | None = None,
) -> InstrRun:
    """Instructions per call of each benchmark that ``selectors`` select in the worktree ``root``.

    ``timeout`` applies to each process; ``jobs`` processes run at once (default: one per CPU).
    Raises ``EnvironmentProblem`` without valgrind, ``BaselineError`` when a run fails or the
    selection holds no benchmark.
    """
    if calls < 1:
        raise ValueError("calls must be at least 1")
    start = time.perf_counter()
    work_dir = work_dir.absolute()
    work_dir.mkdir(parents=True, exist_ok=True)
    _check_interpreter(client, root)
    prefix = valgrind_prefix(client, root)
    selection = " ".join(selectors)
    listed = _list_benchmarks(client, root, selectors, work_dir, hashseed, timeout)
    width = len(str(1 + calls))
    pairs = [
        (
            _Job(nodeid, selector, f"b{i:03d}-lo", 1, 1 + calls),
            _Job(nodeid, selector, f"b{i:03d}-hi", 1 + calls, 1 + calls),
        )
        for i, (nodeid, selector) in enumerate(listed.items(), 1)
    ]
    todo = [job for pair in pairs for job in pair]
    workers = max(1, min(jobs or os.cpu_count() or 1, len(todo)))
    # The plugin's report path is in the client's environment, so it is of one length whatever
    # work_dir is: different lengths shift the heap and with it the counts, a little.
    with (
        tempfile.TemporaryDirectory(prefix="ciopt-instr-") as scratch,
        ThreadPoolExecutor(max_workers=workers) as pool,
    ):

        def measure(job: _Job) -> int | None:
            out = Path(scratch) / f"{job.name}.json"
            try:
                return _run_one(client, root, job, prefix, out, work_dir, width, hashseed, timeout)
            finally:
                if out.is_file():
                    shutil.copyfile(out, work_dir / out.name)

        futures = [pool.submit(measure, job) for job in todo]
        try:
            totals = {job: future.result() for job, future in zip(todo, futures, strict=True)}
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    per_call: dict[str, float] = {}
    raw: dict[str, int] = {}
    for lo, hi in pairs:
        small, big = totals[lo], totals[hi]
        if small is None or big is None:  # skipped: no count, as pytest-benchmark gives no stats
            continue
        raw[f"{lo.nodeid}@{lo.calls}"] = small
        raw[f"{hi.nodeid}@{hi.calls}"] = big
        per_call[lo.nodeid] = (big - small) / calls
    if not per_call:
        raise _no_benchmark(selection)
    seconds = time.perf_counter() - start
    record = {"calls": calls, "hashseed": hashseed, "per_call": per_call, "raw": raw}
    (work_dir / "instructions.json").write_text(json.dumps(record, indent=2) + "\n")
    return InstrRun(per_call, seconds, raw)


def valgrind_prefix(client: Client, root: Path) -> list[str]:
    """The command that wraps the interpreter: ``[setarch, <arch>, -R, valgrind]``.

    Without ``setarch``, or where it may not turn randomization off (some containers' seccomp
    profiles refuse it), just ``[valgrind]``. ``valgrind`` is found on this machine's ``PATH``.
    """
    valgrind = shutil.which("valgrind")
    if not valgrind:
        raise EnvironmentProblem(
            "--measure instructions needs valgrind, which is not installed; install it "
            "(apt-get install valgrind) or use --measure walltime"
        )
    setarch = shutil.which("setarch")
    if setarch:
        norandom = [setarch, platform.machine(), "-R"]
        if client.executor.run(
            root, [*norandom, valgrind, "--version"], env=client.env(root), timeout=60
        ).ok:
            return [*norandom, valgrind]
    return [valgrind]


def _check_interpreter(client: Client, root: Path) -> None:
    """valgrind does not follow ``exec``: a script that starts Python would be counted instead."""
    try:
        with open(client.python, "rb") as fh:
            script = fh.read(2) == b"#!"
    except OSError:  # not on this machine: the executor will tell
        return
    if script:
        done = client.run(root, ["-c", "import sys; print(sys.executable)"], timeout=120)
        real = done.stdout.strip() if done.ok else "<the interpreter it starts>"
        raise EnvironmentProblem(
            f"{client.python} is a script that starts Python (a pyenv or asdf shim?), and valgrind "
            f"would count the script instead; pass --python {real}"
        )


def read_total(out_file: Path) -> int | None:
    """The instruction total (first number of ``summary:``/``totals:``) of a valgrind out file."""
    try:
        lines = out_file.read_text(errors="replace").splitlines()
    except FileNotFoundError:
        return None
    for line in lines:
        key, _, numbers = line.partition(":")
        if key in ("summary", "totals") and numbers.split():
            return int(numbers.split()[0])
    return None


def _list_benchmarks(
    client: Client,
    root: Path,
    selectors: Sequence[str],
    work_dir: Path,
    hashseed: int,
    timeout: float,
) -> dict[str, str]:
    """Node id -> selector of each selected benchmark, in collection order (no valgrind)."""
    out = work_dir / "list.json"
    out.unlink(missing_ok=True)
    done, _ = client.pytest(
        root,
        [*selectors, "-p", "no:benchmark", "-p", "ciopt_instr", "--collect-only"],
        probe_out=work_dir / "list.probe.json",
        timeout=timeout,
        PYTHONHASHSEED=str(hashseed),
        CIOPT_INSTR_OUT=str(out),
    )
    selection = " ".join(selectors)
    if done.returncode == 5:
        raise _no_benchmark(selection)
    if not done.ok or not out.is_file():
        raise BaselineError(f"collecting the benchmarks failed ({done.describe()}): {done.tail(6)}")
    data = json.loads(out.read_text())
    listed: dict[str, str] = {
        nodeid: data.get("selectors", {}).get(nodeid, nodeid) for nodeid in data["benchmarks"]
    }
    if not listed:
        raise _no_benchmark(selection)
    return listed


def _run_one(
    client: Client,
    root: Path,
    job: _Job,
    prefix: Sequence[str],
    out: Path,
    work_dir: Path,
    width: int,
    hashseed: int,
    timeout: float,
) -> int | None:
    """One process under valgrind; its instruction total, or None when the benchmark skipped."""
    counts, log = work_dir / f"{job.name}.out", work_dir / f"{job.name}.log"
    for path in (out, counts, log, work_dir / out.name):
        path.unlink(missing_ok=True)
    tool = [
        *prefix,
        "--tool=callgrind",
        "--dump-instr=no",
        "--collect-jumps=no",
        f"--callgrind-out-file={counts}",
        f"--log-file={log}",
        "-q",
    ]
    done = client.run(
        root,
        [*PYTEST_INSTR, job.selector],
        prefix=tool,
        timeout=timeout,
        PYTHONHASHSEED=str(hashseed),
        CIOPT_INSTR_CALLS=f"{job.calls:0{width}d}",
        CIOPT_INSTR_SETUPS=f"{job.setups:0{width}d}",
        CIOPT_INSTR_OUT=str(out),
    )
    if not done.ok:
        raise _failed(job, done, log)
    made = json.loads(out.read_text())["benchmarks"].get(job.nodeid) if out.is_file() else None
    if made == 0:
        return None
    total = read_total(counts)
    if made != job.calls or total is None:
        raise _failed(job, done, log)
    counts.unlink()  # per-line counts of every function: large, and the total is all we use
    return total


def _failed(job: _Job, done: Completed, log: Path) -> BaselineError:
    valgrind = log.read_text(errors="replace").strip() if log.is_file() else ""
    tail = "\n".join([*done.tail(6).splitlines(), *valgrind.splitlines()[-3:]])
    return BaselineError(
        f"counting instructions of {job.nodeid} failed ({done.describe()}): {tail}"
    )


def _no_benchmark(selection: str) -> BaselineError:
    return BaselineError(
        f"bench={selection} selects no benchmark; name a file or test that uses the "
        "pytest-benchmark `benchmark` fixture",
        reason="no_benchmark",
    )


# -- comparing counts: deterministic, so a ratio and a threshold, not an interval ---------------
#
# Counts suit CPU-bound pure-Python benchmarks; they do not see cache misses, branch
# mispredictions, I/O or waiting, so the verdict says it was made on instructions.

NOT_TIME = (
    "measured in instructions (callgrind), not time: cache misses, branch mispredictions, "
    "I/O and waiting are not counted"
)


def exact(name: str, base: float, head: float, min_effect: float) -> BenchmarkResult:
    """One deterministic ratio, judged against ``min_effect`` alone."""
    ratio = head / base
    if ratio < 1 - min_effect:
        verdict = "faster"
    elif ratio > 1 + min_effect:
        verdict = "slower"
    else:
        verdict = "no_change"
    return BenchmarkResult(
        name=name,
        estimate=stats.Estimate(math.log(ratio), 0.0, 1),
        ci=(ratio, ratio),
        verdict=verdict,
        p=0.0,
        min_effect=min_effect,
        mde=min_effect,
        base_median_s=base,
        head_median_s=head,
    )


def compare_instructions(
    client: Client,
    base_root: Path,
    head_root: Path,
    options: BenchOptions,
    design: Design,
    *,
    work_dir: Path,
) -> Comparison:
    start = time.monotonic()
    counts = {
        side: count_instructions(
            client, root, options.selectors, work_dir / side, timeout=options.timeout
        ).per_call
        for side, root in (("base", base_root), ("head", head_root))
    }
    names = sorted(set(counts["base"]) & set(counts["head"]))
    if not names:
        raise BaselineError(
            "no benchmark ran on both sides; check that --bench names the same tests on both",
            reason="no_benchmark",
        )
    results = [exact(n, counts["base"][n], counts["head"][n], design.min_effect) for n in names]
    named = [n for n in names if is_primary(n, design.primary)] or names
    base = math.exp(sum(math.log(counts["base"][n]) for n in named) / len(named))
    head = math.exp(sum(math.log(counts["head"][n]) for n in named) / len(named))
    label = named[0] if len(named) == 1 else f"geometric mean of {len(named)}"
    return Comparison(
        benchmarks=results,
        overall=exact(label, base, head, design.min_effect),
        confidence=1.0,
        stopped_by="decided",
        looks=[],
        warnings=[NOT_TIME],
        pairing="instructions",
        seconds=time.monotonic() - start,
        samples=Samples(),
    )
