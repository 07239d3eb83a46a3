"""ciopt's own false-positive rate and power, measured on this machine (a script, not a test).

Usage::

    python examples/power/measure_power.py --python CLIENT_PYTHON [--runs 20] [--aa-runs 100]
        [--time-budget 60] [--scenarios aa,less-5,less-10,less-20] [--pairing duet]

It builds the ``make_pair_repo.py`` repository (``churn()`` about 1 ms a call) and runs
``ciopt compare`` again and again: ``base`` against ``aa`` (the same code: every ``faster`` or
``slower`` is a false positive) and against ``less-5``/``less-10``/``less-20`` (the head does
that much less work: ``faster`` is a hit). Each run gets its own seed. It prints a table of
verdicts with the measurement time they took, and writes every run to ``--results`` (JSON lines).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_pair_repo import make

WORDS = ("faster", "slower", "no_change", "inconclusive", "error")


def one(repo: Path, head: str, args: argparse.Namespace, seed: int, out: Path) -> dict[str, object]:
    cmd = [
        sys.executable, "-m", "ciopt", "compare", "--repo", str(repo), "--base", "base",
        "--head", head, "--python", args.python, "--out", str(out),
        "--time-budget", str(args.time_budget), "--pairing", args.pairing, "--no-verify",
    ]  # fmt: skip
    env = {**os.environ, "CIOPT_SEED": str(seed)}
    start = time.monotonic()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    try:
        verdict = json.loads((out / "verdict.json").read_text())
    except (OSError, ValueError):
        return {"head": head, "seed": seed, "verdict": "error", "error": done.stderr[-300:]}
    measured = verdict.get("measurement") or {}
    return {
        "head": head,
        "seed": seed,
        "verdict": verdict["verdict"],
        "ratio": verdict.get("ratio"),
        "ci": verdict.get("ci"),
        "seconds": measured.get("seconds"),
        "stopped_by": measured.get("stopped_by"),
        "wall": wall,
        "warnings": len(verdict.get("warnings", [])),
    }


def table(rows: list[dict[str, object]], scenarios: list[str]) -> str:
    lines = [
        f"{'head vs base':<12} {'runs':>5} {'faster':>7} {'slower':>7} {'no_change':>10} "
        f"{'inconcl.':>9} {'error':>6} {'median s':>9} {'max s':>7}"
    ]
    for head in scenarios:
        mine = [r for r in rows if r["head"] == head]
        if not mine:
            continue
        counts = {w: sum(r["verdict"] == w for r in mine) for w in WORDS}
        secs = [s for r in mine if isinstance(s := r.get("seconds"), float)]
        lines.append(
            f"{head:<12} {len(mine):>5} {counts['faster']:>7} {counts['slower']:>7} "
            f"{counts['no_change']:>10} {counts['inconclusive']:>9} {counts['error']:>6} "
            f"{statistics.median(secs) if secs else 0:>9.1f} {max(secs, default=0):>7.1f}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", required=True, help="interpreter with pytest-benchmark")
    parser.add_argument("--runs", type=int, default=20, help="comparisons per effect")
    parser.add_argument("--aa-runs", type=int, default=100, help="A/A comparisons")
    parser.add_argument("--time-budget", type=float, default=60.0)
    parser.add_argument("--scenarios", default="aa,less-5,less-10,less-20")
    parser.add_argument("--pairing", default="duet", choices=("duet", "sequential"))
    parser.add_argument("--work", type=int, default=10000, help="steps per call at base")
    parser.add_argument("--results", type=Path, default=Path("power-results.jsonl"))
    args = parser.parse_args()
    scenarios = args.scenarios.split(",")
    rows: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory(prefix="ciopt-power-") as tmp:
        repo = Path(tmp) / "spin"
        make(repo, args.work)
        with args.results.open("a") as record:
            for head in scenarios:
                for seed in range(args.aa_runs if head == "aa" else args.runs):
                    row = one(repo, head, args, seed, Path(tmp) / "out")
                    rows.append(row)
                    record.write(json.dumps(row) + "\n")
                    record.flush()
                    print(json.dumps(row), file=sys.stderr)
    print(f"pairing {args.pairing}, time budget {args.time_budget:g} s, work {args.work} steps")
    print(table(rows, scenarios))


if __name__ == "__main__":
    main()
