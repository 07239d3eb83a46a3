"""Build ciopt's Debian package, ``build/deb/ciopt_<version>_amd64.deb`` (``make deb``).

    python packaging/debian/build.py [--out build/deb]

The tree below is staged and packed by ``dpkg-deb --build --root-owner-group``: standard Debian
tooling, no root needed. Its version is pyproject.toml's, and changelog's first entry must say
the same.

    usr/lib/ciopt/wheels/             ciopt's wheel, and every wheel src/ciopt/requirements.lock
                                      pins, for CPython 3.11 on x86_64 with glibc 2.36 or older
                                      (Debian 12), downloaded hash-checked by pip
    usr/lib/ciopt/requirements.lock   that lock, and ciopt's own wheel pinned with its hash
    usr/bin/ciopt                     runs /opt/ciopt/venv/bin/ciopt (ciopt.sh)
    usr/share/man/man1/ciopt.1.gz     ciopt.1
    usr/share/doc/ciopt/              copyright (DEP-5: copyright.in and the wheels' licenses),
                                      changelog.gz
    usr/share/lintian/overrides/ciopt lintian-overrides (lintian finds nothing else)
    DEBIAN/                           control (control.in), md5sums, postinst, prerm, postrm

postinst makes /opt/ciopt/venv with Debian's python3 from those wheels, offline; prerm and postrm
remove it. ciopt's wheel is built from a copy of the sources with this interpreter's setuptools
(make's .venv has the locked one), without build isolation, so nothing is fetched for it. The
locked wheels are downloaded once per lock, into ``--out``/wheels-<digest>. Every file's time is
the changelog entry's (SOURCE_DATE_EPOCH), so the same sources make the same package.
"""

from __future__ import annotations

import argparse
import email.parser
import email.utils
import gzip
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path
from string import Template

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LOCK = ROOT / "src" / "ciopt" / "requirements.lock"
ARCH = "amd64"
# The wheels Debian 12's python3 can install: CPython 3.11 (cp311, abi3, none) on x86_64 with
# glibc 2.36, so manylinux_2_36 and every older manylinux tag (pip matches --platform exactly).
GLIBC_MINOR = 36
LEGACY_MANYLINUX = ("manylinux2014", "manylinux2010", "manylinux1")
LIB = Path("usr/lib/ciopt")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "deb")
    out: Path = parser.parse_args(argv).out.resolve()
    version = project_version()
    epoch = changelog_epoch(version)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("ciopt_*.deb"):
        old.unlink()
    stage = out / "stage"
    shutil.rmtree(stage, ignore_errors=True)
    try:
        stage_tree(stage, version, locked_wheels(out), epoch)
        deb = out / f"ciopt_{version}_{ARCH}.deb"
        # The wheels are zip files already: xz would take ten times as long to save 2%.
        run(["dpkg-deb", "--root-owner-group", "-Zgzip", "--build", str(stage), str(deb)],
            env=os.environ | {"SOURCE_DATE_EPOCH": str(epoch)})  # fmt: skip
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    print(f"{deb} ({deb.stat().st_size / 1e6:.1f} MB)")
    return 0


def project_version() -> str:
    version: str = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    return version


def changelog_epoch(version: str) -> int:
    """The time of changelog's first entry, which must be ``version``'s."""
    text = (HERE / "changelog").read_text()
    first = re.match(r"ciopt \(([^)]+)\)", text)
    if first is None or first[1] != version:
        found = first[1] if first else "no entry"
        sys.exit(
            f"packaging/debian/changelog's first entry is {found}, and pyproject.toml says "
            f"{version}: add an entry for {version} (what changed, who, when) at its top"
        )
    date = re.search(r"^ -- .+?  (.+)$", text, re.MULTILINE)
    assert date is not None, "the changelog's first entry has no trailer line"
    return int(email.utils.parsedate_to_datetime(date[1]).timestamp())


def locked_wheels(out: Path) -> Path:
    """A folder of every wheel the lock pins for Debian 12's python3, downloaded once per lock."""
    digest = hashlib.sha256(LOCK.read_bytes()).hexdigest()[:16]
    folder = out / f"wheels-{digest}"
    if folder.is_dir():
        return folder
    for old in out.glob("wheels-*"):
        shutil.rmtree(old)
    partial = out / f"wheels-{digest}.partial"
    platforms = [f"manylinux_2_{minor}_x86_64" for minor in range(GLIBC_MINOR, 4, -1)]
    platforms += [f"{name}_x86_64" for name in LEGACY_MANYLINUX]
    run([sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
         "--no-deps", "--require-hashes", "--only-binary=:all:", "--implementation", "cp",
         "--python-version", "3.11", "--abi", "cp311",
         *(f"--platform={platform}" for platform in platforms),
         "--dest", str(partial), "-r", str(LOCK)])  # fmt: skip
    partial.rename(folder)
    return folder


def stage_tree(stage: Path, version: str, wheels: Path, epoch: int) -> None:
    lib = stage / LIB
    (lib / "wheels").mkdir(parents=True)
    for wheel in sorted(wheels.glob("*.whl")):
        install(wheel, lib / "wheels" / wheel.name, mode=0o644)
    own = build_wheel(lib / "wheels", epoch)
    pin = f"ciopt=={version} \\\n    --hash=sha256:{sha256(own)}\n    # this package's own wheel\n"
    (lib / "requirements.lock").write_text(LOCK.read_text() + pin)

    install(HERE / "ciopt.sh", stage / "usr/bin/ciopt", mode=0o755)
    gzipped(HERE / "ciopt.1", stage / "usr/share/man/man1/ciopt.1.gz", epoch)
    install(HERE / "lintian-overrides", stage / "usr/share/lintian/overrides/ciopt", mode=0o644)
    doc = stage / "usr/share/doc/ciopt"
    gzipped(HERE / "changelog", doc / "changelog.gz", epoch)
    licenses = bundled_licenses(sorted((lib / "wheels").glob("*.whl")))
    copyright_text = Template((HERE / "copyright.in").read_text()).substitute(bundled=licenses)
    write(doc / "copyright", copyright_text)

    debian = stage / "DEBIAN"
    for script in ("postinst", "prerm", "postrm"):
        install(HERE / script, debian / script, mode=0o755)
    write(debian / "md5sums", md5sums(stage))
    fields = {"version": version, "installed_size": str(installed_size(stage))}
    template = "".join(
        line for line in (HERE / "control.in").read_text().splitlines(True) if line[:1] != "#"
    )
    write(debian / "control", Template(template).substitute(fields))
    for path in [stage, *stage.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
        os.utime(path, (epoch, epoch))


def build_wheel(dest: Path, epoch: int) -> Path:
    """ciopt's wheel, built from a copy of what it is made of (no stale ``build/lib``)."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "ciopt"
        source.mkdir()
        for name in ("pyproject.toml", "README.md"):
            shutil.copy2(ROOT / name, source / name)
        skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
        shutil.copytree(ROOT / "src", source / "src", ignore=skip)
        env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
        env |= {"PIP_CONFIG_FILE": os.devnull, "SOURCE_DATE_EPOCH": str(epoch)}
        run([sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
             "--no-deps", "--no-index", "--no-build-isolation", "--wheel-dir", tmp, str(source)],
            env=env)  # fmt: skip
        (built,) = Path(tmp).glob("ciopt-*.whl")
        install(built, dest / built.name, mode=0o644)
        return dest / built.name


def bundled_licenses(wheels: list[Path]) -> str:
    """One line per wheel for copyright: ``name version: license``, as DEP-5 text lines."""
    lines = []
    for wheel in wheels:
        meta = metadata(wheel)
        classifiers = [
            c.rpartition(" :: ")[2] for c in meta.get_all("Classifier") or [] if "License ::" in c
        ]
        field = (meta.get("License") or "").strip().splitlines() or ["not declared"]
        declared = meta.get("License-Expression") or "; ".join(classifiers) or field[0]
        lines.append(f" {meta['Name']} {meta['Version']}: {' '.join(declared.split())}")
    return "\n".join(lines)


def metadata(wheel: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [
            n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
        ]
        return email.parser.BytesParser().parsebytes(archive.read(name))


def md5sums(stage: Path) -> str:
    files = sorted(p for p in stage.rglob("*") if p.is_file() and "DEBIAN" not in p.parts)
    return "".join(
        f"{hashlib.md5(p.read_bytes(), usedforsecurity=False).hexdigest()}  "
        f"{p.relative_to(stage)}\n"
        for p in files
    )


def installed_size(stage: Path) -> int:
    """In KiB, as dpkg-gencontrol counts it: each file rounded up, one for each folder."""
    paths = [p for p in stage.rglob("*") if "DEBIAN" not in p.relative_to(stage).parts]
    return sum(-(-p.stat().st_size // 1024) if p.is_file() else 1 for p in paths)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def install(source: Path, dest: Path, *, mode: int) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, dest)
    dest.chmod(mode)


def gzipped(source: Path, dest: Path, epoch: int) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(gzip.compress(source.read_bytes(), compresslevel=9, mtime=epoch))
    dest.chmod(0o644)


def write(dest: Path, text: str) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_text(text)
    dest.chmod(0o644)


def run(argv: list[str], env: dict[str, str] | None = None) -> None:
    """Run ``argv``; on failure, exit naming the command and what it printed."""
    done = subprocess.run(argv, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(
            f"{' '.join(argv[:4])} ... failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )


if __name__ == "__main__":
    sys.exit(main())
