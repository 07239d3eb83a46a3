"""What a simulated run of ciopt's action needs around it: a copy of the action as the runner
downloads it, the stand-ins, a served FakeGitHub, the example project as the checkout, and a
``bash`` on PATH that records the environment every script starts with."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import responses

from tests.action.simulate import Job, Runner
from tests.action.standins import UploadArtifact, cache_pair, setup_python, upload_artifact
from tests.helpers import ROOT, git, make_repo
from tests.helpers.fake_github import FakeGitHub
from tests.helpers.serve import free_address, serve

__all__ = ["KEY", "Project", "World", "python_version", "runner_stand_ins"]

KEY = "sk-test-" + "Q7r" * 16  # an LLM key as the caller passes it: env on the uses: step
SHIPPED = ("action.yml", "pyproject.toml", "README.md", "src")
BASE_PYTHON = os.path.realpath(getattr(sys, "_base_executable", sys.executable))


def python_version() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


@dataclass
class Project:
    """The example project as the job's checkout, and the bare repository branches go to."""

    checkout: Path
    remote: Path

    @classmethod
    def make(cls, where: Path) -> Project:
        checkout = where / "textkit"
        make_repo(checkout)
        remote = where / "remote.git"
        git(where, "clone", "--quiet", "--bare", str(checkout), str(remote))
        return cls(checkout, remote)


@dataclass
class World:
    root: Path
    action: Path
    restore_save: tuple[Any, Any]
    shims: Path
    env_log: Path
    index_url: str  # the package index pip installs from (tests/lock/index.py: the future's)
    uploads: list[UploadArtifact] = field(default_factory=list)

    @classmethod
    def make(cls, root: Path, index_url: str) -> World:
        action = root / "action"
        for name in SHIPPED:  # the files a checkout of the action holds, as they are now
            source = ROOT / name
            if source.is_dir():
                ignore = shutil.ignore_patterns("__pycache__", "*.egg-info")
                shutil.copytree(source, action / name, ignore=ignore)
            else:
                action.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, action / name)
        world = cls(
            root, action, cache_pair(root / "cache"), root / "shims", root / "env-log", index_url
        )
        world.shims.mkdir()
        world.env_log.mkdir()
        real_bash = shutil.which("bash")
        shim = world.shims / "bash"
        shim.write_text(
            f'#!/bin/sh\nenv -0 > "$(mktemp {world.env_log}/env.XXXXXX)"\nexec {real_bash} "$@"\n'
        )
        shim.chmod(0o755)
        return world

    def scripts_environments(self) -> list[dict[str, str]]:
        """The environment of every ``bash`` started through PATH so far, then forget them."""
        found = []
        for file in sorted(self.env_log.iterdir()):
            pairs = [item.split("=", 1) for item in file.read_text().split("\0") if "=" in item]
            found.append(dict(pairs))
            file.unlink()
        return found

    def run(
        self,
        fake: FakeGitHub,
        project: Project,
        event_name: str,
        payload: Mapping[str, Any],
        inputs: Mapping[str, str],
        *,
        path_first: Path | None = None,
        caller_env: Mapping[str, str] | None = None,
    ) -> Job:
        env = fake.actions_env(event_name, dict(payload), self.root, GITHUB_JOB="optimize")
        github = {
            name.removeprefix("GITHUB_").lower(): value
            for name, value in env.items()
            if name.startswith("GITHUB_")
            and name not in ("GITHUB_ACTIONS", "GITHUB_EVENT_NAME", "GITHUB_EVENT_PATH")
        }
        upload = upload_artifact(self.root / f"artifacts-{len(self.uploads)}")
        self.uploads.append(upload)
        restore, save = self.restore_save
        shims = [str(path_first)] if path_first else []
        runner = Runner(
            self.action,
            workspace=project.checkout,
            temp=self.root / "runner-temp",
            event_name=event_name,
            payload=payload,
            github=github,
            env={
                "OPENAI_API_KEY": KEY,
                "CIOPT_FORGE_WRITE_INTERVAL": "0",
                # a runner's own package index, and none of this machine's pip configuration
                "PIP_INDEX_URL": self.index_url,
                "PIP_CONFIG_FILE": os.devnull,
                **(caller_env or {}),
            },
            uses={
                "actions/setup-python@v6": setup_python(BASE_PYTHON),
                "actions/cache/restore@v5": restore,
                "actions/cache/save@v5": save,
                "actions/upload-artifact@v6": upload,
            },
            path=os.pathsep.join([*shims, str(self.shims), os.environ.get("PATH", "/usr/bin")]),
        )
        return runner.run({"python_version": python_version(), **inputs})


@contextmanager
def served_github(project: Project) -> Iterator[FakeGitHub]:
    """A FakeGitHub on a local port, for the action's processes to talk to."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        address = free_address()
        fake = FakeGitHub(rsps, clone_url=str(project.remote), api_url=address)
        with serve(rsps, address):
            yield fake


def files_holding(folder: Path, secret: str) -> list[str]:
    return [
        str(p.relative_to(folder))
        for p in folder.rglob("*")
        if p.is_file() and secret.encode() in p.read_bytes()
    ]


def git_head(remote: Path, branch: str) -> str:
    return subprocess.run(
        ["git", "rev-parse", f"refs/heads/{branch}"],
        cwd=remote,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def runner_stand_ins(folder: Path) -> Path:
    """What the sandbox set-up step would change on a real runner, as stand-ins that log
    into ``folder/calls``: apt-get and sudo fail, and the kernel has no AppArmor userns sysctl.
    And a ``curl`` that cannot connect: where a docker CLI is on PATH, the Dagger step of
    executor auto would otherwise download the real Dagger CLI."""
    folder.mkdir()
    for name, body in {
        "curl": 'echo "curl: (7) Failed to connect" >&2; exit 7',
        "apt-get": "exit 100",
        "sudo": "exit 1",
        "sysctl": 'echo "sysctl: cannot stat /proc/sys/$2" >&2; exit 255',
    }.items():
        script = folder / name
        script.write_text(f'#!/bin/sh\necho "{name} $*" >> {folder}/calls\n{body}\n')
        script.chmod(0o755)
    return folder
