"""An issue that names no target, end to end on the fake GitHub: ciopt profiles the benchmarks,
optimizes the hottest functions, and says why it picked them in its report and progress comment.
"""

from __future__ import annotations

import json
from itertools import takewhile
from pathlib import Path

import pytest
import responses

from ciopt.cli import main
from tests.helpers.fake_github import FakeGitHub

pytestmark = pytest.mark.e2e

# the example's four slow spots (examples/textkit/README.md)
SLOW = {
    "src/textkit/tokens.py::dedupe",
    "src/textkit/patterns.py::count_keywords",
    "src/textkit/render.py::render_table",
    "src/textkit/stats.py::normalize",
}
# no target: one model call, whose reply does not decode, ends the search (a cheap run)
BODY = "All of textkit is slow.\n\n```ciopt\nbench = benchmarks\nmax_llm_calls = 1\n```\n"


def _why(text: str) -> dict[str, list[str]]:
    """The "Why these targets" table of ``text``: target -> its other cells."""
    lines = text[text.index("### Why these targets") :].splitlines()
    start = lines.index("| target | own time | incl. callees | calls |") + 2
    rows = [line.strip("|").split(" | ") for line in takewhile(str.strip, lines[start:])]
    return {cells[0].strip().strip("`"): [c.strip() for c in cells[1:]] for cells in rows}


@pytest.mark.usefixtures("ci_env")
def test_an_issue_without_a_target_optimizes_the_four_hottest_functions(
    example_repo: Path,
    remote: Path,
    client_python: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    script = tmp_path / "script.jsonl"
    script.write_text(json.dumps({"content": "no edits here"}) + "\n")
    out = tmp_path / "out"
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=str(remote))
        fake.user("alice", permission="write")
        number = fake.issue("Speed up textkit", BODY, author="alice", labels=["optimize"])
        payload = fake.issues_labeled(number, label="optimize", sender="alice")
        env = fake.actions_env("issues", payload, tmp_path)
        with monkeypatch.context() as scoped:
            for name, value in {**env, "CIOPT_FORGE_WRITE_INTERVAL": "0"}.items():
                scoped.setenv(name, value)
            code = main(["run", "--forge", "github", "--repo", str(example_repo),
                         "--python", client_python, "--model", f"scripted:{script}",
                         "--out", str(out)])  # fmt: skip
        assert code == 0
        progress = [c["body"] for c in fake.comments[number] if "<!-- ciopt:progress" in c["body"]]

    verdict = json.loads((out / "verdict.json").read_text())
    assert set(verdict["targets"]) == SLOW
    assert verdict["discovery"]["targets"] == verdict["targets"]
    assert json.loads((out / "discovery.json").read_text())["targets"] == verdict["targets"]
    # why these targets: each with its shares of the benchmark time, in the report and comment
    for text in ((out / "report.md").read_text(), progress[0]):
        why = _why(text)
        assert set(why) == SLOW
        assert all(own.endswith("%") and cum.endswith("%") and calls == "1"
                   for own, cum, calls in why.values())  # fmt: skip
    assert "Find the hottest functions (the request names no target) — picked " in progress[0]
