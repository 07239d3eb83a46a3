"""The examples that end each command's ``--help``, as ``git`` and ``gh`` end theirs.

Keyed by the command as typed after ``ciopt`` (``"trace show"``); ``cli`` puts them on the
parsers, and a test holds every command to having one.
"""

from __future__ import annotations

__all__ = ["ABOUT", "EXAMPLES", "epilog"]

# ``ciopt --help``: what ciopt does, in two lines, and the three commands most people need
ABOUT = """\
ciopt finds faster versions of your Python functions, proves each one behaves as before (your
tests, recorded calls), measures the speedup with honest statistics and opens a pull request.

most people need:
  ciopt run --request "target=src/pkg/mod.py::func bench=benchmarks/"
      optimize a function: candidates from your model, verified, measured; the winner on a branch
  ciopt compare --base main --head HEAD --bench benchmarks/
      is HEAD faster than main? a verdict with its confidence interval, no model involved
  ciopt discover --bench benchmarks/
      which of your functions your benchmarks spend their time in (run's targets when none is named)

In CI, the GitHub Action and the GitLab component run `ciopt run` on a labeled issue or an
/optimize comment. Every command writes its results and a trace to ciopt-out/."""

EXAMPLES: dict[str, tuple[str, ...]] = {
    "run": (
        "ciopt run --request 'target=src/pkg/text.py::dedupe bench=benchmarks/' "
        "--model openai/gpt-4o-mini",
        "ciopt run --request-file request.txt --model scripted:replies.jsonl --out out/",
        "ciopt run --request 'bench=benchmarks/ top=2'   # no target: the two hottest functions",
    ),
    "plan": (
        "ciopt plan --request 'bench=benchmarks/ top=3' --out plan/   # a unit per hot function",
        'ciopt plan --forge github --github-output "$GITHUB_OUTPUT"   # the CI event\'s request',
    ),
    "gather": ("ciopt gather --plan plan/plan.json --units units/ --forge github",),
    "discover": ("ciopt discover --bench benchmarks/ --top 3",),
    "compare": (
        "ciopt compare --base main --head HEAD --bench benchmarks/test_parse.py",
        "ciopt compare --base v1.2 --head v1.3 --measure instructions --fail-on slower",
    ),
    "calibrate": ("ciopt calibrate --bench benchmarks/ --seconds 60",),
    "policy": ("ciopt policy list",),
    "policy list": ("ciopt policy list --repo .",),
    "policy show": ("ciopt policy show 3f2a9c1d",),
    "policy promote": ("ciopt policy promote my-policy.json",),
    "policy new": ("ciopt policy new propose_optimization > my-policy.json",),
    "policy rollback": ("ciopt policy rollback propose_optimization",),
    "replay": ("ciopt replay ciopt-out/trace.jsonl --out replayed/",),
    "eval": (
        "ciopt eval --tasks examples/corpus --model openai/qwen --api-base http://127.0.0.1:8099/v1",
    ),
    "dataset": ("ciopt dataset --out demos.jsonl runs/*/trace.jsonl",),
    "compile": ("ciopt compile --tasks examples/corpus --model openai/qwen --out compiled/",),
    "trace": ("ciopt trace show ciopt-out/trace.jsonl",),
    "trace show": ("ciopt trace show ciopt-out/trace.jsonl",),
    "trace html": ("ciopt trace html ciopt-out/trace.jsonl -o run.html",),
    "trace prune": ("ciopt trace prune --bucket ci-traces --dry-run",),
    "outputs": (
        'ciopt outputs --out ciopt-out --github-output "$GITHUB_OUTPUT" '
        '--step-summary "$GITHUB_STEP_SUMMARY"',
    ),
}


def epilog(command: str) -> str | None:
    """The ``example(s):`` block that ends ``ciopt COMMAND --help``."""
    lines = EXAMPLES.get(command)
    if not lines:
        return None
    head = "example:" if len(lines) == 1 else "examples:"
    return "\n".join([head, *(f"  {line}" for line in lines)])
