"""The system packages (Debian's) that ``make demo`` and ``make test`` need besides Python 3.11+.

    python3 requirements/system.py test             # one line naming what is missing, exit 1
    python3 requirements/system.py --install test   # apt-get install what is missing (as root)

The Makefile runs the first before anything else, so a fresh machine stops at once with the
command that fixes it; .ci/run runs the second. Standard library only: nothing is installed yet.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass

MINIMUM_PYTHON = (3, 11)


@dataclass(frozen=True)
class Need:
    package: str  # Debian's name
    why: str
    present: Callable[[], bool]


def command(name: str, *, sbin: bool = False) -> Callable[[], bool]:
    """On PATH; with ``sbin``, or in /usr/sbin or /sbin, which a user's PATH often lacks."""
    extra = ("/usr/sbin", "/sbin") if sbin else ()

    def present() -> bool:
        path = os.pathsep.join([os.environ.get("PATH", os.defpath), *extra])
        return shutil.which(name, path=path) is not None

    return present


def venv_works() -> bool:  # Debian splits venv's pip bootstrap into python3-venv
    try:
        import ensurepip  # noqa: F401, PLC0415
        import venv  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


DEMO = (
    Need("git", "ciopt works on git repositories", command("git")),
    Need("python3-venv", "ciopt and the example get virtualenvs", venv_works),
    Need("bubblewrap", "executor auto runs the example's code in its sandbox", command("bwrap")),
)
TEST = (
    *DEMO,
    Need("rsync", "gitlab-ci-local copies artifacts with it", command("rsync")),
    Need("npm", "make tools installs Node 22 and gitlab-ci-local", command("npm")),
    Need("valgrind", "instruction counts", command("valgrind")),
    Need("chromium", "trace.html is opened in a headless browser", command("chromium")),
    Need("tmux", "the live progress display is read from a terminal's screen", command("tmux")),
    Need(
        "debootstrap",
        "the Debian package's test installs it into a fresh Debian root",
        command("debootstrap", sbin=True),
    ),
)
TARGETS = {"demo": DEMO, "test": TEST}


def missing(target: str) -> list[Need]:
    return [need for need in TARGETS[target] if not need.present()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", choices=sorted(TARGETS))
    parser.add_argument("--install", action="store_true", help="apt-get install what is missing")
    args = parser.parse_args(argv)
    if sys.version_info < MINIMUM_PYTHON:
        version = ".".join(map(str, sys.version_info[:2]))
        print(
            f"make {args.target}: ciopt needs Python 3.11 or newer, and {sys.executable} is "
            f"{version}: install one and run make {args.target} PYTHON=python3.11",
            file=sys.stderr,
        )
        return 1
    lacking = missing(args.target)
    if not lacking:
        return 0
    packages = [need.package for need in lacking]
    apt_get = shutil.which("apt-get")
    if args.install and apt_get:
        environ = os.environ | {"DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run([apt_get, "update", "-qq"], check=True, env=environ)
        install = [apt_get, "install", "-y", "-qq", "--no-install-recommends", *packages]
        subprocess.run(install, check=True, env=environ)
        lacking = missing(args.target)
        if not lacking:
            return 0
    sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    reasons = "; ".join(f"{need.package} ({need.why})" for need in lacking)
    print(
        f"make {args.target} needs Debian packages this machine lacks: {reasons}. "
        f"Install them with `{sudo}apt-get install -y {' '.join(n.package for n in lacking)}`, "
        f"then run make {args.target} again",
        file=sys.stderr,
    )
    return 1


if __name__ == "__main__":
    sys.exit(main())
