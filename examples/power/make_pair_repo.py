"""Create a git repository whose commits differ by a known amount of work.

Usage::

    python examples/power/make_pair_repo.py DEST [--work 20000]

``spin.churn()`` does ``--work`` steps of pure-Python arithmetic (about 1 ms per call on a
2-core CI runner at the default). The repository gets these tags:

- ``base``: the starting commit;
- ``aa``: a later commit with the same code (only a comment differs), for A/A comparisons;
- ``less-5``, ``less-10``, ``less-20``: ``churn`` does 5%, 10%, 20% fewer steps, so the head
  is truly that much faster (the loop body is the same, so time scales with the steps).

Identity and dates are fixed, so the shas are the same on every machine. Standard library only.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from pathlib import Path

EFFECTS = (5, 10, 20)

SOURCE = '''"""A known amount of pure-Python work."""
# {note}

STEPS = {steps}


def churn() -> int:
    total = 0
    for i in range(STEPS):
        total = (total + i * i) % 1000003
    return total
'''

BENCH = """from spin import churn


def test_churn(benchmark):
    assert benchmark(churn) >= 0
"""

TEST = """from spin import churn


def test_churn_is_deterministic():
    assert churn() == churn()
"""


def _git(dest: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_AUTHOR_NAME="spin dev",
        GIT_AUTHOR_EMAIL="dev@example.com",
        GIT_AUTHOR_DATE="2026-01-01T00:00:00Z",
        GIT_COMMITTER_NAME="spin dev",
        GIT_COMMITTER_EMAIL="dev@example.com",
        GIT_COMMITTER_DATE="2026-01-01T00:00:00Z",
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
    )
    git = shutil.which("git") or "git"
    subprocess.run([git, "-C", str(dest), *args], check=True, capture_output=True, env=env)


def make(dest: Path, work: int) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "src").mkdir(parents=True)
    (dest / "benchmarks").mkdir()
    (dest / "tests").mkdir()
    (dest / "benchmarks" / "test_spin_bench.py").write_text(BENCH)
    (dest / "tests" / "test_spin.py").write_text(TEST)
    (dest / "pytest.ini").write_text("[pytest]\npythonpath = src\n")
    _git(dest, "init", "-q", "-b", "main")
    commits = [("base", work, "base"), ("aa", work, "same code, another commit")]
    commits += [(f"less-{pct}", work * (100 - pct) // 100, f"{pct}% less work") for pct in EFFECTS]
    for tag, steps, note in commits:
        (dest / "src" / "spin.py").write_text(SOURCE.format(steps=steps, note=note))
        _git(dest, "add", "-A")
        _git(dest, "commit", "-q", "--allow-empty", "-m", f"spin: {note}")
        _git(dest, "tag", tag)
        _git(dest, "checkout", "-q", "-B", "main", "base")  # every head is a child of base


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", type=Path)
    parser.add_argument("--work", type=int, default=10000, help="steps per call at base")
    args = parser.parse_args()
    make(args.dest, args.work)
    print(f"created {args.dest} (tags base, aa, {', '.join(f'less-{p}' for p in EFFECTS)})")


if __name__ == "__main__":
    main()
