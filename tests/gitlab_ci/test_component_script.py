"""The component's first script entry (the system packages) run in ``sh`` and ``bash`` against
stand-ins that log: ``apt-get``, ``git``, ``bwrap``, on a ``PATH`` of nothing else. bubblewrap
is installed for the sandbox executor when it can be, and its absence never fails the job."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.gitlab_ci.component import Component, load

TOOLS = ("sh", "bash", "env", "cat", "chmod", "printf")
INSTALL = "apt-get install -y -qq --no-install-recommends bubblewrap"


def _stand_in(folder: Path, name: str, body: str) -> None:
    script = folder / name
    script.write_text(f'#!/bin/sh\necho "{name} $*" >> {folder.parent}/calls\n{body}\n')
    script.chmod(0o755)


def packages(
    tmp_path: Path, shell: str, *, executor: str, bwrap: bool, apt: str
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    """Run the script entry; ``apt`` is works, fails (not root, no package) or missing."""
    bin_ = tmp_path / "bin"
    bin_.mkdir()
    for tool in TOOLS:
        real = shutil.which(tool)
        assert real, tool
        (bin_ / tool).symlink_to(real)
    _stand_in(bin_, "git", "exit 0")
    if bwrap:
        _stand_in(bin_, "bwrap", "echo bubblewrap 0.11.0")
    if apt != "missing":
        installs = f"printf '#!/bin/sh\\n' > {bin_}/bwrap; chmod 755 {bin_}/bwrap"
        refuses = "echo 'E: Unable to locate package bubblewrap' >&2; exit 100"
        body = f'case "$*" in *install*) {refuses if apt == "fails" else installs} ;; esac'
        _stand_in(bin_, "apt-get", body)
    job = load(Component.read().interpolated(executor=executor))["ciopt"]
    script = tmp_path / "packages.sh"
    script.write_text(job["script"][0])
    env = {
        "PATH": str(bin_),
        "CI_PROJECT_DIR": str(tmp_path),
        "CIOPT_JOB_DOCKER": "false",
        **{k: str(v) for k, v in job["variables"].items() if k == "CIOPT_EXECUTOR"},
    }
    done = subprocess.run(
        [shell, "-e", str(script)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    log = tmp_path / "calls"
    return done, (log.read_text().splitlines() if log.exists() else [])


@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_a_missing_bwrap_is_installed_with_apt_get(tmp_path: Path, shell: str) -> None:
    done, calls = packages(tmp_path, shell, executor="auto", bwrap=False, apt="works")
    assert done.returncode == 0, done.stdout + done.stderr
    assert [c for c in calls if c.startswith("apt-get")] == ["apt-get update -qq", INSTALL]
    assert done.stdout == "ciopt: installed bubblewrap for the sandbox executor\n"
    assert (tmp_path / "bin" / "bwrap").exists()


@pytest.mark.parametrize("apt", ["fails", "missing"])
@pytest.mark.parametrize("shell", ["sh", "bash"])
def test_a_bwrap_that_cannot_be_installed_does_not_fail_the_job(
    tmp_path: Path, shell: str, apt: str
) -> None:
    done, calls = packages(tmp_path, shell, executor="sandbox", bwrap=False, apt=apt)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("ciopt: bubblewrap is missing and could not be installed")
    assert "E: Unable" not in done.stdout + done.stderr  # apt's own words stay quiet
    assert [c for c in calls if c.startswith("apt-get")] == (
        ["apt-get update -qq", INSTALL] if apt == "fails" else []
    )


@pytest.mark.parametrize(
    ("executor", "bwrap"), [("auto", True), ("local", False), ("dagger", False), ("uid", False)]
)
def test_nothing_is_installed_when_bwrap_is_there_or_not_wanted(
    tmp_path: Path, executor: str, bwrap: bool
) -> None:
    done, calls = packages(tmp_path, "sh", executor=executor, bwrap=bwrap, apt="works")
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == "" and not [c for c in calls if c.startswith("apt-get")]
