"""Fixtures every test folder may use; shared functions are in ``tests/helpers``."""

from __future__ import annotations

import json
import os
import subprocess
import venv
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import responses

from tests.helpers import ROOT, git, make_repo


@pytest.fixture(autouse=True)
def _no_ciopt_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Tests see no CIOPT_* settings from the developer's shell, and a cache of their own."""
    for name in list(os.environ):
        if name.startswith("CIOPT_") and name != "CIOPT_TEST_CLIENT_PYTHON":
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


@pytest.fixture(scope="session")
def client_python() -> str:
    """An interpreter with pytest and pytest-benchmark, standing in for a client's venv.

    ``make test`` provides one (``CIOPT_TEST_CLIENT_PYTHON``); otherwise it is built once.
    """
    given = os.environ.get("CIOPT_TEST_CLIENT_PYTHON")
    if given:
        return str(Path(given).absolute())
    home = ROOT / "build" / "client-venv"
    python = home / "bin" / "python"
    if not (home / ".installed").is_file():
        venv.create(home, with_pip=True, clear=True)
        install = ["install", "--quiet", "--require-hashes", "--no-deps", "--only-binary=:all:"]
        lock = ROOT / "requirements" / "client.lock"
        subprocess.run([python, "-m", "pip", *install, "-r", str(lock)], check=True)
        (home / ".installed").touch()
    return str(python)


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A fresh git repository of the bundled textkit example, one commit on main."""
    dest = tmp_path / "textkit"
    make_repo(dest)
    return dest


@pytest.fixture
def remote(example_repo: Path, tmp_path: Path) -> Path:
    """A bare clone of ``example_repo``, standing in for the forge's copy of the project."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(example_repo), str(bare))
    return bare


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """HTTP fakes (``responses``) for the forges' clients; unused routes are no error."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def script(tmp_path: Path) -> Callable[[list[str]], Path]:
    """Write a scripted-model file from a list of replies."""

    def write(replies: list[str]) -> Path:
        path = tmp_path / "script.jsonl"
        path.write_text("".join(json.dumps({"content": r}) + "\n" for r in replies))
        return path

    return write


@pytest.fixture
def chdir_tmp(tmp_path: Path) -> Iterator[Path]:
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)
