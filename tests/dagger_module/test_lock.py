"""dagger/requirements.lock: the Dagger module's dependencies, pinned as ciopt's own lock pins them.

The engine's Python runtime (dagger/dagger, sdk/python/runtime/main.go) handles a module with a
``requirements.lock`` and no ``uv.lock`` in two steps, both with uv: ``uv pip compile -q --universal
-o requirements.lock pyproject.toml sdk/pyproject.toml`` (which keeps the pins already in the file),
then ``uv pip install -e ./sdk -e . --no-deps -r requirements.lock`` and ``uv pip check``. Here the
same commands run against the index from the future (tests/lock/index.py), with the SDK's wheel in
place of the vendored ``./sdk`` (its ``pyproject.toml`` stands in with the wheel's own name, version
and dependencies) and without ``-e .`` (the module's build backend would come from an index).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.utils import parse_wheel_filename
from uv import find_uv_bin

from tests.helpers import ROOT
from tests.helpers.lock_index import (
    FutureIndex,
    future_index,
    installed,
    read_lock,
    serve_index,
    wheel_metadata,
)

MODULE = ROOT / "dagger"
LOCK = MODULE / "requirements.lock"


def test_the_vendored_sdk_is_left_out_of_the_modules_lock() -> None:
    """The engine installs its own dagger-io from ./sdk; the module's pyproject asks for none."""
    assert "dagger-io" not in {pin.name for pin in read_lock(LOCK)}
    assert tomllib.loads((MODULE / "pyproject.toml").read_text())["project"]["dependencies"] == []


def _uv(args: list[str], cwd: Path, index_url: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "PIP_"))}
    environ |= {"UV_INDEX_URL": index_url, "UV_NO_CONFIG": "1", "UV_CACHE_DIR": str(cwd / ".uv")}
    done = subprocess.run(
        [find_uv_bin(), *args], cwd=cwd, env=environ, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def _vendored_sdk_stand_in(index: FutureIndex, folder: Path) -> None:
    """``sdk/pyproject.toml`` as the engine vendors it: dagger-io's name, version, dependencies."""
    metadata = wheel_metadata(index.locked["dagger-io"])
    requires = [r for r in metadata.get_all("Requires-Dist") or [] if "extra ==" not in r]
    listed = "".join(f"    {r!r},\n".replace("'", '"') for r in requires)
    folder.mkdir()
    (folder / "pyproject.toml").write_text(
        f'[project]\nname = "{metadata["Name"]}"\nversion = "{metadata["Version"]}"\n'
        f"dependencies = [\n{listed}]\n"
    )


@pytest.fixture(scope="module")
def index() -> FutureIndex:
    return future_index()


def test_the_engines_install_from_an_index_with_newer_releases_is_exactly_the_lock(
    index: FutureIndex, tmp_path: Path
) -> None:
    module = tmp_path / "module"
    shutil.copytree(MODULE, module, ignore=shutil.ignore_patterns("__pycache__"))
    _vendored_sdk_stand_in(index, module / "sdk")
    locked = {pin.name: pin.version for pin in read_lock(LOCK)}
    with serve_index(index) as url:
        for output in ("requirements.lock", "unlocked.txt"):  # the engine's, and a fresh one
            compile_ = ["pip", "compile", "-q", "--universal", "-o", output]
            _uv([*compile_, "pyproject.toml", "sdk/pyproject.toml"], module, url)
        recompiled = {pin.name: pin.version for pin in read_lock(module / "requirements.lock")}
        assert recompiled == locked  # newer releases were on the index; the pins held
        fresh = (module / "unlocked.txt").read_text()
        assert f"httpx=={index.newer['httpx']}" in fresh  # without pins, uv takes them
        _uv(["venv", "--quiet", "--python", sys.executable, ".venv"], module, url)
        install = ["pip", "install", "--quiet", "--python", ".venv/bin/python", "--no-deps"]
        _uv([*install, "-r", "requirements.lock", str(index.locked["dagger-io"])], module, url)
        _uv(["pip", "check", "--python", ".venv/bin/python"], module, url)
    got = installed(module / ".venv" / "bin" / "python")
    assert got.pop("dagger-io") == parse_wheel_filename(index.locked["dagger-io"].name)[1]
    here = {pin.name: pin.version for pin in read_lock(LOCK) if pin.applies()}
    assert got == here
    assert index.newer["httpx"] > got["httpx"] and index.newer["gql"] > got["gql"]
