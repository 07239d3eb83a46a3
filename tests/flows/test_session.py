"""A session's executor: how it was chosen, and a forge run without isolation that runs nothing;
the trace sinks when a command ends."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ciopt.errors import ConfigError
from ciopt.flows.session import Session
from ciopt.trace import Delivery
from tests.helpers.sinks import FailingSink, KeepingSink

BWRAP = shutil.which("bwrap")


def _bare_path(tmp_path: Path) -> dict[str, str]:
    """An environment whose PATH has git only: no dagger, no bwrap, no setpriv."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git") or "/usr/bin/git")
    return {"PATH": str(bin_dir)}


def _trace(out: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in (out / "trace.jsonl").read_text().splitlines()]


@pytest.mark.parametrize("forge", ["github", "gitlab"])
def test_a_forge_run_with_no_isolation_available_stops_before_running_anything(
    tmp_path: Path, forge: str
) -> None:
    out = tmp_path / "out"
    with (
        pytest.raises(ConfigError) as caught,
        Session("run", tmp_path, _bare_path(tmp_path), out=out, forge=forge) as session,
    ):
        session.open_executor()
    message = str(caught.value)
    assert "\n" not in message
    assert message.startswith("ciopt ran nothing: the code under test would run with no isolation")
    assert "bubblewrap is not installed" in message and "allow_unisolated = true" in message
    assert caught.value.reason == "unisolated"
    verdict = json.loads((out / "verdict.json").read_text())
    assert (verdict["verdict"], verdict["reason"], verdict["isolation"]) == (
        "error",
        "unisolated",
        "none",
    )


def test_executor_local_by_name_on_a_forge_is_refused_unless_the_config_accepts_it(
    tmp_path: Path,
) -> None:
    environ = {"PATH": os.environ["PATH"]}
    with (
        pytest.raises(ConfigError, match=r"\(executor local isolates nothing\)"),
        Session(
            "run", tmp_path, environ, out=tmp_path / "a", forge="github", executor="local"
        ) as s,
    ):
        s.open_executor()
    (tmp_path / ".ciopt.toml").write_text("allow_unisolated = true\n")
    with Session(
        "run", tmp_path, environ, out=tmp_path / "b", forge="github", executor="local"
    ) as s:
        assert s.open_executor().name == "local"
        assert s.isolation == "none"


def test_a_strangers_code_runs_only_under_isolation_whatever_the_config_says(
    tmp_path: Path,
) -> None:
    (tmp_path / ".ciopt.toml").write_text("allow_unisolated = true\n")
    with (
        pytest.raises(ConfigError, match=r"^ciopt ran nothing: a fork's head runs only under"),
        Session("run", tmp_path, _bare_path(tmp_path), out=tmp_path / "o", forge="github") as s,
    ):
        s.stranger = "a fork's head"
        s.open_executor()


def test_outside_a_forge_auto_without_isolation_runs_locally_and_says_so(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with Session("run", tmp_path, _bare_path(tmp_path), out=out) as session:
        opened = session.open_executor()
        assert (opened.name, opened.isolated) == ("local", False)
    events = [e for e in _trace(out) if e.get("name") == "executor"]
    assert events[0]["attrs"]["isolation"] == "none"  # type: ignore[index]


@pytest.mark.skipif(BWRAP is None, reason="bubblewrap is not installed")
def test_auto_names_the_sandbox_in_the_trace(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with Session("run", tmp_path, {"PATH": os.environ["PATH"]}, out=out) as session:
        assert session.open_executor().name == "sandbox"
        assert session.isolation is not None and session.isolation.startswith("sandbox")
    (event,) = [e for e in _trace(out) if e.get("name") == "executor"]
    assert event["attrs"]["chosen"] == "sandbox"  # type: ignore[index]


def test_the_sinks_get_the_scrubbed_trace_when_the_command_ends_even_in_a_crash(
    tmp_path: Path,
) -> None:
    secret = "deploy-0123456789abcdef"
    out, keep = tmp_path / "out", KeepingSink()
    with (
        pytest.raises(RuntimeError),
        Session(
            "run", tmp_path, {"PATH": os.environ["PATH"], "DEPLOY_TOKEN": secret}, out=out
        ) as session,
    ):
        session.sinks = [keep]
        (out / "report.md").write_text(f"written past the redactor: {secret}")
        raise RuntimeError("a bug")

    [shipment] = keep.got
    assert (shipment.folder, shipment.trace_id) == (out.resolve(), session.tracer.run_id)
    header = _trace(out)[0]
    assert (shipment.expires_at, shipment.retention_days) == (header["expires_at"], 30)
    assert sorted(keep.files) == ["report.md", "trace.jsonl", "trace.otlp.jsonl"]
    assert (
        b"[REDACTED:env:" in keep.files["report.md"]
        and secret.encode() not in keep.files["report.md"]
    )
    assert b'"name": "run.error"' in keep.files["trace.jsonl"]  # the crash is in what was sent
    assert session.delivered == [Delivery("keep", "keep://here/")]


def test_a_failing_sink_is_one_line_on_stderr_and_changes_nothing_else(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, failing, keep = tmp_path / "out", FailingSink(), KeepingSink()
    with pytest.raises(ConfigError), Session("run", tmp_path, {}, out=out) as session:
        session.sinks = [failing, keep]
        raise ConfigError("a user's mistake")

    assert capsys.readouterr().err == (
        "ciopt: trace sink fail (fail://there/) failed: the store said no; "
        f"the trace is still in {out.resolve()}/\n"
    )
    assert failing.tried == 1 and sorted(keep.files) == [
        "trace.jsonl",
        "trace.otlp.jsonl",
        "verdict.json",
    ]
    assert json.loads((out / "verdict.json").read_text())["reason"] == "bad_config"
    assert (out / "trace.html").is_file() and keep.files["trace.jsonl"] == (
        out / "trace.jsonl"
    ).read_bytes()


def test_a_header_value_is_a_secret_whatever_its_variable_is_named(tmp_path: Path) -> None:
    value = "team-header-value-42"
    sink = {
        "kind": "otlp",
        "endpoint": "https://otel.example.com",
        "headers_from_env": {"x-team": "TEAM_HEADER"},
    }
    out = tmp_path / "out"
    with Session("run", tmp_path, {"TEAM_HEADER": value}, out=out, trace_sinks=[sink]) as session:
        assert session.sink_targets == ["https://otel.example.com/v1/traces"]
        session.sinks = []  # nothing sent from a unit test
        session.tracer.event("note", text=f"the header is {value}")
        verdict = session.error_verdict(ConfigError("x"))
    assert verdict.trace_sinks == ["https://otel.example.com/v1/traces"]
    written = (out / "trace.jsonl").read_text()
    assert value not in written and "the header is [REDACTED:env:" in written


def test_listeners_follow_the_session_from_its_header(tmp_path: Path) -> None:
    seen: list[dict[str, object]] = []
    with Session("compare", tmp_path, {}, listeners=[seen.append], out=tmp_path / "out") as s:
        s.tracer.event("hello")
    assert [(r["type"], r.get("command")) for r in seen] == [
        ("header", "compare"),
        ("event", None),
    ]
