"""``ciopt compare``'s command: flags to the flow, the verdict printed, ``--fail-on`` as the exit
code. The flow itself is tested in tests/e2e/test_compare.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ciopt.cli import main
from ciopt.commands import COMMANDS
from ciopt.commands.compare import EXIT_FAIL_ON
from ciopt.flows import Session
from ciopt.verdict import Verdict


@pytest.fixture
def asked(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """What the command asked of the flow; the flow answers ``slower``."""
    seen: dict[str, Any] = {}

    def compare_commits(session: Session, repo: Path, base: str, head: str, **kw: Any) -> Verdict:
        seen.update(session=session, repo=repo, base=base, head=head, **kw)
        verdict = Verdict(verdict="slower", reason="measured_slower", message="ratio 1.3")
        session.out.write_verdict(verdict)
        return verdict

    monkeypatch.setattr(COMMANDS["compare"], "compare_commits", compare_commits)
    return seen


def _compare(tmp_path: Path, *more: str) -> int:
    out = tmp_path / "out"
    return main(["compare", "--repo", str(tmp_path), "--base", "v1", "--head", "v2",
                 "--out", str(out), *more])  # fmt: skip


def test_flags_reach_the_flow_and_the_verdict_is_printed(
    asked: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _compare(tmp_path, "--bench", "benchmarks/a.py", "--tests", "tests/t.py",
                    "--allow", "src/*.py", "--no-verify", "--min-effect", "0.05")  # fmt: skip
    assert code == 0
    assert (asked["base"], asked["head"], asked["repo"]) == ("v1", "v2", tmp_path)
    assert asked["bench"] == ["benchmarks/a.py"] and asked["tests"] == ["tests/t.py"]
    assert asked["allow"] == ["src/*.py"] and asked["verify"] is False
    assert asked["session"].settings.min_effect == 0.05
    out = capsys.readouterr().out
    assert "slower" in out and f"results: {tmp_path / 'out'}/" in out
    files = "verdict.json, trace.jsonl, trace.otlp.jsonl, trace.html, bench/"
    assert out.splitlines()[-1] == f"results: {tmp_path / 'out'}/ ({files})"


@pytest.mark.parametrize(("fail_on", "code"), [(["slower"], EXIT_FAIL_ON), (["faster"], 0)])
def test_fail_on_names_the_verdicts_that_fail_the_gate(
    asked: dict[str, Any], tmp_path: Path, fail_on: list[str], code: int
) -> None:
    flags = [flag for verdict in fail_on for flag in ("--fail-on", verdict)]
    assert _compare(tmp_path, *flags) == code
