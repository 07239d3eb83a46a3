"""Secrets planted in the environment, the issue, the model's replies and the client's benchmark
output never reach an artifact."""

from __future__ import annotations

import json
import os
import secrets
import string
from pathlib import Path

import pytest

from ciopt.cli import main
from tests.helpers import EXAMPLES, git

pytestmark = pytest.mark.e2e

ALNUM = string.ascii_letters + string.digits


def _random(n: int, alphabet: str = ALNUM) -> str:
    return "".join(secrets.choice(alphabet) for _ in range(n))


def _script(path: Path, rationale: str, summary: str) -> Path:
    """The demo's scripted replies, with secrets in the winner's rationale and its summary."""
    lines = (EXAMPLES / "scripted" / "textkit-dedupe.jsonl").read_text().splitlines()
    replies = [json.loads(line) for line in lines]
    winner = replies[3]["content"]
    assert "\n\nsrc/textkit/tokens.py" in winner
    replies[3]["content"] = winner.replace(
        "\n\nsrc/textkit/tokens.py", f" {rationale}\n\nsrc/textkit/tokens.py", 1
    )
    explanation = {"title": "Use a set", "summary": summary}
    if len(replies) > 4:  # the run asks once more, to explain the winner
        explanation = {**json.loads(replies[4]["content"]), **explanation}
    replies[4:] = [{"content": json.dumps(explanation)}]
    path.write_text("".join(json.dumps(reply) + "\n" for reply in replies))
    return path


def _leak_from_benchmark(repo: Path, note: str) -> None:
    """Commit a benchmark that records ``note`` in pytest-benchmark's JSON, which no redactor
    sees on its way: only the scrub at the end of the run can catch it."""
    bench = repo / "benchmarks" / "test_bench_tokens.py"
    code = bench.read_text()
    call = "    result = benchmark(dedupe, TOKENS)\n"
    assert call in code
    bench.write_text(code.replace(call, f"    benchmark.extra_info['deploy'] = {note!r}\n" + call))
    git(repo, "commit", "-qam", "benchmarks: note the deploy")


def _files(root: Path) -> list[Path]:
    found = [Path(folder, name) for folder, _, names in os.walk(root) for name in names]
    return [path for path in found if path.is_file()]


def test_no_planted_secret_reaches_any_file(
    example_repo: Path,
    client_python: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = {
        "GITHUB_TOKEN": "ghp_" + _random(36),
        "MY_SERVICE_PASSWORD": _random(20, ALNUM + "!#%*+-.:=?@^_~"),
        "AWS_SECRET_ACCESS_KEY": _random(40, ALNUM + "+/"),
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    gitlab = "glpat-" + _random(20)
    aws_id = "AKIA" + _random(16, string.ascii_uppercase + string.digits)
    openai = "sk-" + _random(48)
    installation = "ghs_" + _random(36)
    _leak_from_benchmark(example_repo, f"{installation} {env['MY_SERVICE_PASSWORD']}")
    request = tmp_path / "issue.md"
    request.write_text(
        (EXAMPLES / "requests" / "textkit-dedupe.txt").read_text()
        + f"\nOur deploy log printed {gitlab} and the key id {aws_id}; dedupe is slow there too.\n"
    )
    script = _script(
        tmp_path / "script.jsonl",
        f"(My notes used the key {openai} and the token {env['GITHUB_TOKEN']}.)",
        f"A set makes dedupe linear. Tested with {openai}.",
    )
    out = tmp_path / "out"

    code = main([
        "run", "--repo", str(example_repo), "--request-file", str(request),
        "--model", f"scripted:{script}", "--python", client_python, "--out", str(out),
    ])  # fmt: skip
    printed = capsys.readouterr()
    assert code == 0, printed.err
    verdict = json.loads((out / "verdict.json").read_text())
    assert verdict["verdict"] == "faster", verdict["message"]

    planted = [*env.values(), gitlab, aws_id, openai, installation]
    forms = {form for s in planted for form in (s, json.dumps(s)[1:-1])}
    files = _files(out)
    assert {"verdict.json", "report.md", "trace.jsonl"} <= {path.name for path in files}
    assert any(path.parent.name == "bench" for path in files)
    for path in files:
        data = path.read_bytes()
        leaked = any(form.encode() in data for form in forms)
        assert not leaked, f"{path.relative_to(out)} holds a planted secret"
    assert not any(form in printed.out + printed.err for form in forms)

    # not vacuous: the issue, the winner's rationale and the benchmark's note reached the output
    written = (out / "report.md").read_text() + (out / "trace.jsonl").read_text()
    for rule in ("env", "openai", "gitlab", "aws"):
        assert f"[REDACTED:{rule}:" in written, rule
    assert "My notes used the key [REDACTED:openai:" in written
    reports = [json.loads(path.read_text()) for path in (out / "bench").rglob("*.json")]
    notes = {b["extra_info"]["deploy"] for r in reports for b in r.get("benchmarks", [])}
    assert len(notes) == 1 and notes.pop().startswith("[REDACTED:github:")


def test_error_messages_are_redacted(
    example_repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    token = _random(24)
    monkeypatch.setenv("DEPLOY_TOKEN", token)
    missing = tmp_path / f"request-{token}.md"
    code = main([
        "run", "--repo", str(example_repo), "--request-file", str(missing),
        "--model", "scripted:/dev/null", "--out", str(tmp_path / "out"),
    ])  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert "[REDACTED:env:" in err and token not in err
