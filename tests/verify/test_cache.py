"""A baseline's recording is reused by the next run of the same base, and only by it."""

from __future__ import annotations

import dataclasses
import os
import stat
from pathlib import Path

import pytest

from ciopt.verify.cache import RecordingCache, default_cache_dir
from ciopt.verify.differential import Options, Replayer, functions_in
from tests.helpers import git, local_client


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "src" / "m").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "src" / "m" / "__init__.py").write_text("from m.core import f\n")
    (root / "src" / "m" / "core.py").write_text("def f(x):\n    return x * 2\n")
    (root / "tests" / "test_m.py").write_text(
        "from m import f\n\n\ndef test_f():\n    assert f(2) == 4\n    assert f('a') == 'aa'\n"
    )
    (root / ".gitignore").write_text("_version.py\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", ".")
    git(root, "commit", "-qm", "base")
    return root


def record(repo: Path, python: str, options: Options, work: Path) -> Replayer:
    replayer = Replayer(local_client(python, "m"), repo, work, options)
    replayer.record(["tests"], functions_in(repo, ["src/m/core.py"]))
    return replayer


def test_the_second_recording_of_a_base_is_the_first(
    repo: Path, tmp_path: Path, client_python: str
) -> None:
    options = Options(cache_dir=tmp_path / "cache")
    first = record(repo, client_python, options, tmp_path / "w1")
    assert first.cached is None
    (repo / "tests" / "test_m.py").unlink()  # the tests could not run again: it must not need to
    second = record(repo, client_python, options, tmp_path / "w2")
    assert second.cached is not None
    assert second.recording.read_bytes() == first.recording.read_bytes()
    assert [c["repr"] for c in second.recorded["m.core:f"].calls] == ["(2)", "('a')"]
    entry = tmp_path / "cache" / "recordings" / f"{second.cached}.pkl"
    assert stat.S_IMODE(entry.stat().st_mode) == 0o600
    assert stat.S_IMODE(entry.parent.stat().st_mode) == 0o700


def test_other_settings_a_new_commit_or_other_ignored_files_record_again(
    repo: Path, tmp_path: Path, client_python: str
) -> None:
    options = Options(cache_dir=tmp_path / "cache")
    assert record(repo, client_python, options, tmp_path / "w1").cached is None
    fewer = dataclasses.replace(options, max_calls=1)
    assert record(repo, client_python, fewer, tmp_path / "w2").cached is None
    (repo / "src" / "m" / "_version.py").write_text("v = '1'\n")  # ignored, as hatch-vcs writes
    assert record(repo, client_python, options, tmp_path / "w3").cached is None
    assert record(repo, client_python, options, tmp_path / "w4").cached is not None
    git(repo, "commit", "-q", "--allow-empty", "-m", "next")
    assert record(repo, client_python, options, tmp_path / "w5").cached is None


def test_no_cache_folder_means_no_cache(repo: Path, tmp_path: Path, client_python: str) -> None:
    for name in ("w1", "w2"):
        assert record(repo, client_python, Options(), tmp_path / name).cached is None


def test_the_default_folder_follows_xdg() -> None:
    assert default_cache_dir({"XDG_CACHE_HOME": "/x"}) == Path("/x/ciopt")
    assert default_cache_dir({"HOME": "/h"}) == Path("/h/.cache/ciopt")
    assert RecordingCache.key({"a": 1, "b": [2]}) == RecordingCache.key({"b": [2], "a": 1})
    assert os.environ["XDG_CACHE_HOME"].endswith("xdg-cache")  # tests never share a cache
