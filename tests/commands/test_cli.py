"""``ciopt``: the one place errors become messages and exit codes."""

from __future__ import annotations

import argparse

import pytest

from ciopt import __version__
from ciopt.cli import main
from ciopt.commands import COMMANDS
from ciopt.errors import RequestError


def test_every_subcommand_is_registered_and_listed(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    listed = capsys.readouterr().out
    assert list(COMMANDS) == [
        "run", "plan", "gather", "discover", "compare", "calibrate", "policy", "replay", "eval",
        "dataset", "compile", "trace", "outputs",
    ]  # fmt: skip
    assert all(name in listed for name in COMMANDS)


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"ciopt {__version__}"


def _raising(monkeypatch: pytest.MonkeyPatch, exc: BaseException) -> None:
    def run(args: argparse.Namespace) -> int:
        raise exc

    monkeypatch.setattr(COMMANDS["trace"], "run", run)


def test_an_error_the_user_can_fix_is_one_redacted_line_and_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-abcdefghijklmnopqrstuvwx1234")
    _raising(monkeypatch, RequestError("bad key sk-abcdefghijklmnopqrstuvwx1234; fix it"))
    assert main(["trace", "show", "t.jsonl"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: bad key [REDACTED:") and err.endswith("; fix it\n")
    assert err.count("\n") == 1 and "sk-abcdefghij" not in err


def test_a_bug_prints_its_traceback_and_exits_3(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _raising(monkeypatch, ZeroDivisionError("division by zero"))
    assert main(["trace", "show", "t.jsonl"]) == 3
    err = capsys.readouterr().err
    assert "Traceback" in err and "ZeroDivisionError" in err
    assert err.splitlines()[-1].startswith(f"error: ciopt {__version__} hit a bug")


def test_an_interrupt_exits_130(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _raising(monkeypatch, KeyboardInterrupt())
    assert main(["trace", "show", "t.jsonl"]) == 130
    assert capsys.readouterr().err == "interrupted\n"
