"""The demo path, end to end: the bundled example, the scripted model, real processes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ciopt.cli import main
from tests.helpers import EXAMPLES, git, parse_otlp, prompts
from tests.helpers.markdown import mermaid_blocks, parse_xychart, tokens

pytestmark = pytest.mark.e2e


def _bench_median(python: str, repo: Path, out: Path) -> float:
    subprocess.run(
        [
            python,
            "-m",
            "pytest",
            "benchmarks/test_bench_tokens.py",
            "-q",
            "-p",
            "no:cacheprovider",
            "--benchmark-only",
            f"--benchmark-json={out}",
            "--benchmark-min-rounds=20",
        ],
        cwd=repo,
        env={"PYTHONPATH": str(repo / "src"), "PATH": "/usr/bin:/bin"},
        check=True,
        capture_output=True,
    )
    return float(json.loads(out.read_text())["benchmarks"][0]["stats"]["median"])


def test_demo_finds_the_speedup_and_publishes_it(
    example_repo: Path, client_python: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    base = git(example_repo, "rev-parse", "HEAD")
    code = main(
        [
            "run",
            "--repo",
            str(example_repo),
            "--request-file",
            str(EXAMPLES / "requests" / "textkit-dedupe.txt"),
            "--model",
            f"scripted:{EXAMPLES / 'scripted' / 'textkit-dedupe.jsonl'}",
            "--python",
            client_python,
            "--out",
            str(out),
        ]
    )
    log = capsys.readouterr()
    assert code == 0, log.err

    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["schema"] == "ciopt.verdict/1"
    # executor auto: no Dagger engine here, so the sandbox (bubblewrap), said in the log and notes
    if shutil.which("bwrap"):
        assert verdict["isolation"].startswith("sandbox (bubblewrap")
        assert (
            "ciopt: executor auto chose sandbox (dagger: the dagger CLI is not installed" in log.out
        )
        [note] = [n for n in verdict["notes"] if n.startswith("executor auto")]
        assert note in (out / "report.md").read_text()
    assert verdict["verdict"] == "faster"
    assert verdict["ci"][1] < 1 - verdict["min_effect"]
    assert verdict["base"] == base
    fates = [(c["id"], c["outcome"], c["reason"]) for c in verdict["candidates"]]
    assert fates == [
        (1, "rejected", "not_applied"),
        (2, "rejected", "tests_failed"),
        (3, "slower", "not_faster"),
        (4, "faster", "verified_faster"),
    ]
    assert verdict["head"] == verdict["candidates"][3]["head"]
    assert verdict["correctness"]["tests"]["failed"] == 0
    assert verdict["correctness"]["guard"] == {
        "changed_files": ["src/textkit/tokens.py"],
        "violations": [],
    }
    assert verdict["budget"]["spent"]["llm_calls"] == 5  # four candidates, one explanation
    assert verdict["title"] == "Track seen tokens in a set in dedupe"
    measured = [c for c in verdict["candidates"] if c["benchmarks"]]
    rounds = sum(c["benchmarks"][0]["rounds"] for c in measured)
    assert len(list((out / "bench").rglob("round-*-base.json"))) == rounds
    winner = verdict["measurement"]
    assert winner["pairing"] == "duet" and winner["stopped_by"] == "decided"

    # The report tells each candidate's fate, and the trace saw every step.
    report = (out / "report.md").read_text()
    for word in ("not_applied", "tests_failed", "slower", "published"):
        assert word in report
    # as a forge renders it: its tables, and the chart of base against the winner's time
    assert [t.type for t in tokens(report)].count("table_open") >= 3
    (chart,) = map(parse_xychart, mermaid_blocks(report))
    assert chart.categories == ["test_dedupe_tokens · base", "test_dedupe_tokens · candidate"]
    base_s, head_s = (verdict["benchmarks"][0][f"{s}_median_s"] for s in ("base", "head"))
    assert chart.bars[0] / chart.bars[1] == pytest.approx(base_s / head_s, rel=0.05)
    names = {
        json.loads(line).get("name") for line in (out / "trace.jsonl").read_text().splitlines()[1:]
    }
    assert {
        "request",
        "workspace",
        "baseline.tests",
        "baseline.bench",
        "propose",
        "repair",
        "predict",
        "llm.call",
        "explain",
        "baseline.record",
        "verify.guard",
        "verify.tests",
        "verify.replay",
        "measure",
        "publish",
    } <= names

    # The same run as OpenTelemetry: every line an OTLP TracesData, model calls as GenAI spans.
    otlp = parse_otlp(out / "trace.otlp.jsonl")
    spans = [s.name for m in otlp for r in m.resource_spans for c in r.scope_spans for s in c.spans]
    assert spans[0] == "ciopt run" and len(spans) == len(otlp)
    assert len([n for n in spans if n.startswith("chat ")]) == 5

    # The page to read it all: every model call with its prompt, nothing fetched from the web.
    page = (out / "trace.html").read_text()
    assert "explain_winner" in page and "def dedupe" in page
    assert "https://" not in page and "http://" not in page

    # Each prompt, rebuilt from the trace: candidate 2 repairs candidate 1, whose edit did not
    # apply; later proposals saw why the earlier ones failed; the winner is explained.
    asked = prompts(out / "trace.jsonl")
    assert [sig for sig, _ in asked] == [
        "propose_optimization",
        "repair_candidate",
        "propose_optimization",
        "propose_optimization",
        "explain_winner",
    ]
    user = [messages[-1]["content"] for _, messages in asked]
    assert "def dedupe" in user[0] and "Attempt" not in user[0]
    assert "if item not in out:" in user[0]  # the hot line, from the line profile
    assert "Candidate 1 was rejected (not_applied): edit 1: the SEARCH text" in user[1]
    assert "Attempt 2: rejected (tests_failed)" in user[2]
    assert "Attempt 3: slower (not_faster)" in user[3]
    assert "+            seen.add(item)" in user[4]  # the winning diff

    # The same run again from its trace alone: the recorded replies, fresh measurements.
    capsys.readouterr()
    replayed = tmp_path / "replay"
    assert main(["replay", str(out / "trace.jsonl"), "--out", str(replayed)]) == 0
    said = capsys.readouterr().out
    assert "reproduced the recorded verdict: faster (verified_faster)" in said
    assert "5 recorded; " in said and "0 unused" in said
    again = json.loads((replayed / "verdict.json").read_text())
    assert [(c["outcome"], c["reason"]) for c in again["candidates"]] == [
        (c["outcome"], c["reason"]) for c in verdict["candidates"]
    ]
    assert again["branch"] is None  # a replay publishes nothing

    # Published: branch ciopt/tokens-dedupe points at the winning commit, a child of the base.
    assert git(example_repo, "rev-parse", "ciopt/tokens-dedupe") == verdict["head"]
    assert git(example_repo, "rev-parse", "ciopt/tokens-dedupe^") == base
    assert git(example_repo, "status", "--porcelain") == ""

    # patch.diff applies to the base commit on its own, keeps the tests green, and is faster
    # when measured independently of ciopt (the expected speedup is ~50x; we ask for 5x).
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(example_repo), str(clone)], check=True)
    git(clone, "checkout", "-q", base)
    before = _bench_median(client_python, clone, tmp_path / "before.json")
    git(clone, "apply", str(out / "patch.diff"))
    tests = subprocess.run(
        [client_python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--benchmark-disable"],
        cwd=clone,
        env={"PYTHONPATH": str(clone / "src"), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert tests.returncode == 0, tests.stdout
    after = _bench_median(client_python, clone, tmp_path / "after.json")
    assert after < before / 5
