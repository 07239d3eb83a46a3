"""Local stand-ins for the actions ciopt's action ``uses:``, each doing what the real one does to
the job: setup-python (an interpreter given by the test), cache restore and save (a folder of
saved copies), upload-artifact (a folder per artifact name). Each knows the real action's input
names and refuses others, so a misspelt ``with:`` key fails as a typo should.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

__all__ = [
    "Artifact",
    "Call",
    "StandIn",
    "StepFailed",
    "cache_pair",
    "setup_python",
    "upload_artifact",
]


class StepFailed(Exception):
    """The action failed, as the real one would; ``str()`` is its error annotation."""


@dataclass
class Call:
    """One ``uses:`` step: its evaluated ``with:``, and what it may change in the job."""

    with_: dict[str, str]
    runner_temp: Path
    workspace: Path
    path_prepend: list[str] = field(default_factory=list)  # $GITHUB_PATH entries
    log: list[str] = field(default_factory=list)


class StandIn(Protocol):
    inputs: frozenset[str]

    def __call__(self, call: Call) -> dict[str, str]: ...


@dataclass
class SetupPython:
    """``actions/setup-python``: hands out ``interpreter``, which must be the version asked."""

    interpreter: str
    asked: list[str] = field(default_factory=list)
    inputs: frozenset[str] = frozenset({
        "python-version", "python-version-file", "cache", "architecture", "check-latest",
        "token", "cache-dependency-path", "update-environment", "allow-prereleases",
        "freethreaded", "pip-version", "pip-install",
    })  # fmt: skip

    def __call__(self, call: Call) -> dict[str, str]:
        asked = call.with_.get("python-version", "")
        self.asked.append(asked)
        version = subprocess.run(
            [self.interpreter, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not asked or not (version == asked or version.startswith(asked + ".")):
            raise StepFailed(f"The version '{asked}' with architecture 'x64' was not found")
        if call.with_.get("update-environment", "true") != "false":
            call.path_prepend.append(str(Path(self.interpreter).parent))
        return {"python-version": version, "python-path": self.interpreter, "cache-hit": "false"}


def setup_python(interpreter: str) -> SetupPython:
    return SetupPython(interpreter)


@dataclass
class _Store:
    """Saved copies of paths by cache key, in ``root``."""

    root: Path
    restored: list[str] = field(default_factory=list)
    saved: list[str] = field(default_factory=list)

    def slot(self, key: str) -> Path:
        return self.root / hashlib.sha256(key.encode()).hexdigest()[:24]


def _one_path(call: Call) -> Path:
    lines = [line for line in call.with_.get("path", "").splitlines() if line.strip()]
    if len(lines) != 1 or not call.with_.get("key"):
        raise StepFailed("Input required and not supplied: path and key (one path here)")
    return Path(lines[0]) if Path(lines[0]).is_absolute() else call.workspace / lines[0]


@dataclass
class CacheRestore:
    store: _Store
    inputs: frozenset[str] = frozenset({
        "key", "path", "restore-keys", "enableCrossOsArchive", "fail-on-cache-miss",
        "lookup-only",
    })  # fmt: skip

    def __call__(self, call: Call) -> dict[str, str]:
        path, key = _one_path(call), call.with_["key"]
        slot = self.store.slot(key)
        if not (slot / "copy").exists():
            call.log.append(f"Cache not found for input keys: {key}")
            return {"cache-hit": "false", "cache-primary-key": key}
        if path.exists():
            shutil.rmtree(path)
        shutil.copytree(slot / "copy", path, symlinks=True)
        self.store.restored.append(key)
        call.log.append(f"Cache restored from key: {key}")
        return {"cache-hit": "true", "cache-primary-key": key, "cache-matched-key": key}


@dataclass
class CacheSave:
    store: _Store
    inputs: frozenset[str] = frozenset({
        "key", "path", "upload-chunk-size", "enableCrossOsArchive",
    })  # fmt: skip

    def __call__(self, call: Call) -> dict[str, str]:
        path, key = _one_path(call), call.with_["key"]
        slot = self.store.slot(key)
        if not path.exists():
            call.log.append("Warning: Path Validation Error: no cache is being saved.")
        elif (slot / "copy").exists():
            call.log.append(f"Warning: Cache already exists. Key: {key}")
        else:
            shutil.copytree(path, slot / "copy", symlinks=True)
            (slot / "key").write_text(key)
            self.store.saved.append(key)
        return {}


def cache_pair(root: Path) -> tuple[CacheRestore, CacheSave]:
    """``actions/cache/restore`` and ``actions/cache/save`` sharing one store in ``root``."""
    store = _Store(root)
    return CacheRestore(store), CacheSave(store)


@dataclass(frozen=True)
class Artifact:
    name: str
    root: Path
    retention_days: int | None
    files: tuple[str, ...]


@dataclass
class UploadArtifact:
    """``actions/upload-artifact@v6``: the files of ``path`` under ``root/<name>/``."""

    root: Path
    uploaded: dict[str, Artifact] = field(default_factory=dict)
    inputs: frozenset[str] = frozenset({
        "name", "path", "if-no-files-found", "retention-days", "compression-level",
        "overwrite", "include-hidden-files",
    })  # fmt: skip

    def __call__(self, call: Call) -> dict[str, str]:
        name = call.with_.get("name") or "artifact"
        lines = [line for line in call.with_.get("path", "").splitlines() if line.strip()]
        if not lines:
            raise StepFailed("Input required and not supplied: path")
        if any(line.startswith("!") or "*" in line for line in lines):
            raise StepFailed("this stand-in takes plain paths only")
        missing = call.with_.get("if-no-files-found", "warn")
        if missing not in ("warn", "error", "ignore"):
            raise StepFailed(f"Unrecognized if-no-files-found input. Provided: {missing}")
        days = self._retention(call.with_.get("retention-days", ""))
        if name in self.uploaded and call.with_.get("overwrite", "false") != "true":
            raise StepFailed(f"Failed to CreateArtifact: an artifact named {name} exists (409)")
        hidden = call.with_.get("include-hidden-files", "false") == "true"
        files = self._files([call.workspace / line for line in lines], hidden)
        if not files:
            if missing == "error":
                raise StepFailed(f"No files were found with the provided path: {lines}")
            call.log.append(f"Warning: No files were found with the provided path: {lines}")
            return {}
        dest = self.root / name
        shutil.rmtree(dest, ignore_errors=True)
        for source, rel in files:
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, dest / rel)
        rels = tuple(sorted(rel for _, rel in files))
        self.uploaded[name] = Artifact(name, dest, days, rels)
        digest = hashlib.sha256(json.dumps(rels).encode()).hexdigest()
        return {"artifact-id": str(len(self.uploaded)), "artifact-digest": digest}

    @staticmethod
    def _retention(text: str) -> int | None:
        if not text:
            return None
        if not text.isdigit() or not 1 <= int(text) <= 90:
            raise StepFailed(f"retention-days must be a whole number of days, 1 to 90: {text}")
        return int(text)

    @staticmethod
    def _files(paths: list[Path], hidden: bool) -> list[tuple[Path, str]]:
        found: list[tuple[Path, str]] = []
        for path in paths:
            if path.is_file():
                found.append((path, path.name))
                continue
            for file in sorted(p for p in path.rglob("*") if p.is_file()):
                rel = file.relative_to(path)
                if hidden or not any(part.startswith(".") for part in rel.parts):
                    found.append((file, rel.as_posix()))
        return found


def upload_artifact(root: Path) -> UploadArtifact:
    return UploadArtifact(root)
