"""The Debian package (``make deb``, packaging/debian/): installed with ``apt-get install
./ciopt_*.deb`` into a fresh minimal Debian 12 root that ``debootstrap`` makes from Debian's
archive, ``ciopt --version`` and the bundled example run end to end there, then purged.

The root is entered the way a container runtime enters one, not by ``chroot``: the kernel
refuses a new user namespace to a chrooted process, so bubblewrap (the sandbox executor, which
``executor = auto`` picks) cannot start inside a chroot. Each command runs under ``unshare
--mount --pid --fork``: the root is bind-mounted on itself, gets a ``/proc`` of its own PID
namespace, and becomes ``/`` by ``pivot_root``. Those mounts live in that private mount
namespace only, so they end with the command, whatever happens to the test; the host never sees
them. ``/dev`` is the root's own (debootstrap makes its device nodes); bubblewrap needs no
``/sys``.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from ciopt.commands import COMMANDS
from tests.helpers import EXAMPLES, ROOT, require_command

PACKAGING = ROOT / "packaging" / "debian"
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
WORK = ROOT / "build" / "deb-test"
MIRROR = "http://deb.debian.org/debian"
# A client as a Debian user would have it: the distribution's pytest and pytest-benchmark.
CLIENT = ("python3-pytest", "python3-pytest-benchmark")
INSIDE_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
    "DEBIAN_FRONTEND": "noninteractive",
}
# sh -c ENTER enter ROOT ARGV...: ARGV with ROOT as / (run under unshare --mount --pid --fork)
ENTER = """set -e
root=$1; shift
mount --bind "$root" "$root"
mount -t proc proc "$root/proc"
cd "$root"
pivot_root . .
umount -l .
exec "$@"
"""
# What apt, dpkg and the test itself write in the root; anything else the package leaves after
# a purge is a leftover.
CHURN = ("var/lib/dpkg", "var/lib/apt", "var/cache", "var/log", "root", "srv", "tmp", "proc")


def test_the_man_page_names_every_command() -> None:
    """ciopt.1 is written by hand: each command ``ciopt --help`` lists has its entry."""
    lines = (PACKAGING / "ciopt.1").read_text().split(".SH COMMANDS", 1)[1].splitlines()
    entries = [line.removeprefix(".B ") for tag, line in itertools.pairwise(lines) if tag == ".TP"]
    assert entries[: len(COMMANDS)] == list(COMMANDS)


def test_the_changelogs_first_entry_is_pyprojects_version() -> None:
    """build.py refuses to build otherwise: a release adds its changelog entry."""
    first = (PACKAGING / "changelog").read_text().splitlines()[0]
    assert first.startswith(f"ciopt ({VERSION}) ")


@pytest.mark.e2e
def test_apt_installs_the_package_in_a_fresh_debian_runs_the_example_and_purges_it() -> None:
    if os.geteuid() != 0:
        pytest.skip("debootstrap, mounts and apt-get install need root")
    require_command("debootstrap", "debootstrap", "it makes the fresh Debian root")
    require_command("unshare", "util-linux", "it enters the root in namespaces of its own")
    phases: dict[str, float] = {}
    deb = _build(phases)
    WORK.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix="root-", dir=WORK))
    try:
        with _phase(phases, "debootstrap"):
            _bootstrap(root, [*_depends(deb), *CLIENT])
        before = _tree(root)
        shutil.copy(deb, root / "root" / deb.name)
        with _phase(phases, "apt-get install"):
            said = _inside(root, "apt-get", "install", "-y", f"./{deb.name}", cwd="/root")
        assert "0 upgraded, 1 newly installed, 0 to remove" in said  # its Depends: all there
        assert _inside(root, "ciopt", "--version").strip() == f"ciopt {VERSION}"
        assert _inside(root, "dpkg", "--verify", "ciopt") == ""  # md5sums, as shipped
        _inside(root, "/opt/ciopt/venv/bin/python", "-m", "pip", "check")  # the lock is whole
        assert (root / "usr/share/man/man1/ciopt.1.gz").is_file()
        assert "home = /usr/bin\n" in (root / "opt/ciopt/venv/pyvenv.cfg").read_text()  # Debian's

        with _phase(phases, "ciopt run"):
            verdict = _run_the_example(root)
        assert verdict["verdict"] == "faster", verdict["message"]
        assert verdict["isolation"].startswith("sandbox (bubblewrap")
        fates = [(c["outcome"], c["reason"]) for c in verdict["candidates"]]
        assert fates[-1] == ("faster", "verified_faster")
        assert (root / "srv/ciopt-out/patch.diff").is_file()

        with _phase(phases, "apt-get purge"):
            _inside(root, "apt-get", "purge", "-y", "ciopt", cwd="/root")
        assert _tree(root) == before  # nothing left, nothing taken: /opt is still there
        assert not list((root / "var/lib/dpkg/info").glob("ciopt.*"))
        listed = _inside(root, "dpkg-query", "--show", "ciopt", check=False)
        assert "no packages found matching ciopt" in listed
    finally:
        _remove(root)
        print("deb install test:", ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))


def _build(phases: dict[str, float]) -> Path:
    """``make deb``'s package, built from this checkout (the wheels are cached in build/deb)."""
    with _phase(phases, "build"):
        done = subprocess.run(
            [sys.executable, str(PACKAGING / "build.py"), "--out", str(ROOT / "build" / "deb")],
            capture_output=True,
            text=True,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    deb = ROOT / "build" / "deb" / f"ciopt_{VERSION}_amd64.deb"
    print(f"{deb.name}: {deb.stat().st_size / 1e6:.1f} MB")
    contents = _dpkg_deb("--contents", deb)
    for path in ("usr/bin/ciopt", f"usr/lib/ciopt/wheels/ciopt-{VERSION}-py3-none-any.whl"):
        assert f" ./{path}\n" in contents
    assert " ./opt" not in contents  # the virtualenv is postinst's; dpkg never owns /opt
    return deb


def _depends(deb: Path) -> list[str]:
    """The package names its Depends field lists, versions left out."""
    field = _dpkg_deb("--field", deb, "Depends")
    names = [part.split()[0] for part in field.split(",")]
    assert {"python3", "python3-venv", "git", "bubblewrap"} <= set(names)
    return sorted(set(names))


def _bootstrap(root: Path, packages: list[str]) -> None:
    """A minimal Debian 12 with ``packages`` from the archive, in one download pass (the
    downloads are kept in build/deb-test/debs, checked against the archive's index each time).
    debootstrap mounts /proc and /sys in the root while it works: in a mount namespace of its
    own, so that even a debootstrap killed midway leaves no mount behind."""
    cache = WORK / "debs"
    cache.mkdir(exist_ok=True)
    done = subprocess.run(
        ["unshare", "--mount", "--propagation", "private",
         "debootstrap", "--variant=minbase", f"--include={','.join(packages)}",
         f"--cache-dir={cache}", "bookworm", str(root), MIRROR],
        capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def _run_the_example(root: Path) -> dict[str, Any]:
    """``make demo`` inside the root: the example repository, the scripted model, the root's
    python3 with Debian's pytest as the client's interpreter."""
    examples = root / "srv" / "examples"
    examples.mkdir(parents=True)
    skip = shutil.ignore_patterns("__pycache__", ".venv", ".benchmarks", ".pytest_cache")
    for name in ("make_example_repo.py", "textkit", "requests", "scripted"):
        source = EXAMPLES / name
        if source.is_dir():
            shutil.copytree(source, examples / name, ignore=skip)
        else:
            shutil.copy(source, examples / name)
    _inside(root, "python3", "/srv/examples/make_example_repo.py", "/srv/textkit")
    _inside(
        root,
        "ciopt", "run",
        "--request-file", "/srv/examples/requests/textkit-dedupe.txt",
        "--model", "scripted:/srv/examples/scripted/textkit-dedupe.jsonl",
        "--python", "/usr/bin/python3",
        "--out", "/srv/ciopt-out",
        cwd="/srv/textkit",
    )  # fmt: skip
    verdict: dict[str, Any] = json.loads((root / "srv/ciopt-out/verdict.json").read_text())
    return verdict


def _inside(root: Path, *argv: str, cwd: str = "/", check: bool = True) -> str:
    """``argv`` run in ``root`` as its ``/`` (see the module's docstring); what it printed."""
    env = [f"{name}={value}" for name, value in INSIDE_ENV.items()]
    command = ["unshare", "--mount", "--propagation", "private", "--pid", "--fork",
               "sh", "-c", ENTER, "enter", str(root), "/usr/bin/env", "-i", "-C", cwd, *env,
               *argv]  # fmt: skip
    done = subprocess.run(
        command,
        env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        timeout=900,
    )
    assert done.returncode == 0 or not check, f"{' '.join(argv)}: {done.stdout[-5000:]}"
    return done.stdout


def _tree(root: Path) -> set[str]:
    """Every path in ``root`` but where apt, dpkg and the test itself write."""
    found = set()
    for folder, dirs, files in os.walk(root):
        here = Path(folder).relative_to(root)
        dirs[:] = [d for d in dirs if str(here / d) not in CHURN]
        found |= {str(here / name) for name in [*dirs, *files]}
    return found


def _remove(root: Path) -> None:
    """Delete ``root``, never across a mount point: anything mounted under it (there should be
    nothing: the mounts were in the commands' own namespaces) is unmounted lazily first."""
    for point in sorted(_mounts_under(root), reverse=True):
        subprocess.run(["umount", "--lazy", point], check=False)
    left = _mounts_under(root)
    assert not left, f"still mounted under {root}, so it was not deleted: {left}"
    shutil.rmtree(root)


def _mounts_under(root: Path) -> list[str]:
    points = [line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines()]
    return [p for p in points if Path(p).is_relative_to(root)]


def _dpkg_deb(*args: str | Path) -> str:
    done = subprocess.run(["dpkg-deb", *map(str, args)], capture_output=True, text=True, check=True)
    return done.stdout + "\n"


@contextmanager
def _phase(phases: dict[str, float], name: str) -> Iterator[None]:
    start = time.monotonic()
    try:
        yield
    finally:
        phases[name] = time.monotonic() - start
