"""``optimize_request``: the request it parses is held to the settings before anything runs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ciopt.cli import main
from tests.helpers import BENCH, git, make_repo

LOOSER = "rel_tol=0.5 rounds=150 time_budget=3000 confidence=0.6 min_effect=0.001 candidates=40"


def _request_span(out: Path) -> dict[str, Any]:
    records = [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
    [span] = [r for r in records if r["type"] == "span_end" and r["name"] == "request"]
    attrs: dict[str, Any] = span["attrs"]
    return attrs


def test_a_request_that_asks_to_loosen_the_settings_is_held_to_them(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "a.txt").write_text("a\n")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-qm", "a")
    (repo / "a.txt").write_text("b\n")  # dirty: the run stops right after the request is read
    out = tmp_path / "out"
    text = f"/optimize target=src/m.py::f bench=b.py {LOOSER}"
    assert main(["run", "--repo", str(repo), "--request", text, "--rounds", "100",
                 "--out", str(out)]) == 1  # fmt: skip
    attrs = _request_span(out)
    request = attrs["request"]
    held = ("rel_tol", "rounds", "time_budget", "confidence", "min_effect")
    assert {key: request[key] for key in held} == dict.fromkeys(held)  # the configured values
    assert attrs["limits"]["candidates"] == 4
    assert attrs["capped"] == [
        "time_budget=3000 capped at the configured 60",
        "rounds=150 capped at the configured 100",
        "rel_tol=0.5 capped at the configured 0",
        "min_effect=0.001 raised to the configured 0.02",
        "confidence=0.6 raised to the configured 0.99",
        "candidates=40 capped at the configured 4",
    ]


def test_a_local_run_whose_sha_is_not_the_base_is_refused(tmp_path: Path) -> None:
    """``sha=`` is never ignored: a local run of another commit stops with a clear error."""
    repo = tmp_path / "repo"
    make_repo(repo)
    out = tmp_path / "out"
    request = f"/optimize target=src/textkit/tokens.py::dedupe bench={BENCH} sha={'0' * 12}"
    code = main(["run", "--repo", str(repo), "--request", request, "--out", str(out),
                 "--model", "scripted:/dev/null"])  # fmt: skip
    assert code != 0
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["verdict"] == "error"
    assert "the request pins sha=000000000000, but the commit to optimize is" in verdict["message"]


def test_a_request_without_a_target_discovers_its_targets(
    tmp_path: Path, client_python: str
) -> None:
    """No target: the benchmarks are profiled for the hottest functions, at most as many as
    configured (``top=`` only lowers it); here none of the project's code is hot, which is said."""
    repo = tmp_path / "repo"
    (repo / "src" / "app").mkdir(parents=True)
    (repo / "src" / "app" / "__init__.py").write_text("")
    (repo / "benchmarks").mkdir()
    (repo / "benchmarks" / "test_bench_sort.py").write_text(
        "def test_sort(benchmark):\n    benchmark(sorted, list(range(20_000, 0, -1)))\n"
    )
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "app")
    out, script = tmp_path / "out", tmp_path / "script.jsonl"
    script.write_text("")  # never asked: the run ends before the model is
    code = main(["run", "--repo", str(repo), "--request", "bench=benchmarks top=9",
                 "--python", client_python, "--executor", "local", "--out", str(out),
                 "--model", f"scripted:{script}"])  # fmt: skip
    assert code == 1
    verdict = json.loads((out / "verdict.json").read_text())
    assert (verdict["verdict"], verdict["reason"]) == ("error", "nothing_hot")
    assert "none of the project's own code is hot in benchmarks" in verdict["message"]
    assert _request_span(out)["capped"] == ["top=9 capped at the configured 4"]
    records = [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]
    [span] = [r for r in records if r["type"] == "span_start" and r["name"] == "discover"]
    assert span["attrs"] == {"bench": ["benchmarks"], "top": 4}
