"""A session's executor: how it was chosen, and a forge run without isolation that runs nothing."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ciopt.errors import ConfigError
from ciopt.flows.session import Session

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
