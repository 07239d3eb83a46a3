"""A package index from the future, to prove that an install from ciopt's lock resolves nothing.

A lock exists so that a release elsewhere cannot change what gets installed. ``future_index()``
holds every wheel that ``src/ciopt/requirements.lock`` pins for this interpreter, plus a copy of
each one renamed to a higher version (``0.28.1`` becomes ``0.28.2``: the last number of the
release goes up, so the copy still fits the ranges packages ask for, ``httpx[http2]<1.0`` and
``h2<5`` included), as if every dependency had released tomorrow. An install that resolves
anything picks one of those copies, and the copies carry no hash the lock knows.

The locked wheels are downloaded from PyPI once per lock and interpreter (hash-checked against
the lock) and kept in ``build/lock-index/``; the index itself is files on disk, served over HTTP
by ``serve_index`` as PEP 503 pages (``--index-url``) or read as a folder (``--find-links``).
"""

from __future__ import annotations

import base64
import email.message
import email.parser
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import threading
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from packaging.markers import Marker
from packaging.utils import canonicalize_name, parse_wheel_filename
from packaging.version import Version

from tests.helpers import ROOT

__all__ = [
    "LOCK",
    "FutureIndex",
    "Pin",
    "download_locked",
    "future_index",
    "installed",
    "pip",
    "quiet_pip",
    "read_lock",
    "serve_index",
    "wheel_metadata",
]

LOCK = ROOT / "src" / "ciopt" / "requirements.lock"
CACHE = ROOT / "build" / "lock-index"
ENTRY = re.compile(r"^([A-Za-z0-9._-]+)==([^\s;\\]+)\s*(?:;\s*([^\\#]+?))?\s*(?:\\|$)")


@dataclass(frozen=True)
class Pin:
    name: str  # canonical
    version: Version
    marker: Marker | None
    hashes: tuple[str, ...]

    def applies(self, environment: Mapping[str, str] | None = None) -> bool:
        return self.marker is None or self.marker.evaluate(dict(environment or {}))


def read_lock(path: Path = LOCK) -> list[Pin]:
    """The lock's entries: ``name==version ; marker`` and their ``--hash=sha256:`` lines."""
    joined = re.sub(r"\\\n\s*", "\\ ", path.read_text(encoding="utf-8"))
    pins = []
    for line in joined.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = ENTRY.match(line)
        if match is None:
            raise ValueError(f"{path.name}: not an exact pin: {line[:80]}")
        name, version, marker = match.groups()
        hashes = tuple(re.findall(r"--hash=sha256:([0-9a-f]{64})", line))
        pins.append(
            Pin(
                canonicalize_name(name),
                Version(version),
                Marker(marker) if marker else None,
                hashes,
            )
        )
    return pins


def quiet_pip() -> dict[str, str]:
    """The environment without the machine's pip configuration (config files, PIP_* variables):
    an install sees only the sources its command names."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    return env | {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}


@dataclass(frozen=True)
class FutureIndex:
    root: Path
    locked: dict[str, Path]  # canonical name -> the locked wheel
    newer: dict[str, Version]  # canonical name -> the version of its copy from the future

    @property
    def files(self) -> Path:
        """Every wheel, locked and newer: a ``--find-links`` folder."""
        return self.root / "files"


def future_index(lock: Path = LOCK) -> FutureIndex:
    """The index for ``lock`` and this interpreter, built the first time it is asked for."""
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()[:16]
    tag = f"{sys.implementation.cache_tag}-{sysconfig.get_platform()}"
    root = CACHE / f"{digest}-{tag}"
    if not (root / "index.json").is_file():
        partial_root = CACHE / f"{root.name}.partial-{os.getpid()}"
        shutil.rmtree(partial_root, ignore_errors=True)
        _build(lock, partial_root)
        try:
            partial_root.rename(root)
        except OSError:  # another session finished first
            shutil.rmtree(partial_root, ignore_errors=True)
    saved = json.loads((root / "index.json").read_text())
    return FutureIndex(
        root,
        {name: root / "files" / file for name, file in saved["locked"].items()},
        {name: Version(version) for name, version in saved["newer"].items()},
    )


def _build(lock: Path, root: Path) -> None:
    files = root / "files"
    files.mkdir(parents=True)
    download_locked(lock, files)
    locked: dict[str, str] = {}
    newer: dict[str, str] = {}
    for wheel in sorted(files.glob("*.whl")):
        name, version, _, _ = parse_wheel_filename(wheel.name)
        locked[name] = wheel.name
        copy = rewrite_wheel(wheel, bump(version), files)
        newer[name] = str(parse_wheel_filename(copy.name)[1])
    _simple_pages(files, root / "simple")
    (root / "index.json").write_text(json.dumps({"locked": locked, "newer": newer}, indent=1))


def pip(*args: str) -> None:
    """``python -m pip ARGS`` with this interpreter; what it printed is in the error if it fails."""
    done = subprocess.run(
        [sys.executable, "-m", "pip", *args], capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"pip {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def download_locked(lock: Path, dest: Path) -> None:
    """Every wheel ``lock`` pins for this interpreter, checked against its hashes, into ``dest``."""
    pip("download", "--quiet", "--no-deps", "--require-hashes", "--only-binary=:all:",
        "--dest", str(dest), "-r", str(lock))  # fmt: skip


def wheel_metadata(wheel: Path) -> email.message.Message:
    """The ``METADATA`` of ``wheel``'s own ``.dist-info`` (not of a vendored package's)."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = [
            n for n in archive.namelist() if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
        ]
        return email.parser.BytesParser().parsebytes(archive.read(name))


def bump(version: Version) -> Version:
    """The next release after ``version``: its last release number plus one, no pre/post part."""
    release = list(version.release)
    release[-1] += 1
    return Version(".".join(map(str, release)))


def rewrite_wheel(wheel: Path, version: Version, dest: Path) -> Path:
    """A copy of ``wheel`` that says it is ``version``: file name, ``.dist-info`` and ``.data``
    folders, ``METADATA`` and a fresh ``RECORD``."""
    name, old, _, _ = parse_wheel_filename(wheel.name)
    rest = wheel.name.split("-", 2)[2]  # python-abi-platform.whl (no build tag in the lock)
    target = dest / f"{wheel.name.split('-', 1)[0]}-{version}-{rest}"
    records: list[str] = []
    with (
        zipfile.ZipFile(wheel) as source,
        zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out,
    ):
        record_path = ""
        for info in source.infolist():
            top, _, inner = info.filename.partition("/")
            stem, dot, kind = top.rpartition(".")
            if (
                dot
                and kind in ("dist-info", "data")
                and canonicalize_name(stem.rsplit("-", 1)[0]) == canonicalize_name(name)
            ):
                top = f"{stem.rsplit('-', 1)[0]}-{version}.{kind}"
            path = f"{top}/{inner}" if inner else top
            data = source.read(info)
            if path.endswith(".dist-info/RECORD"):
                record_path = path
                continue
            if path.endswith(".dist-info/METADATA"):
                data = re.sub(rb"(?m)^Version: .*$", f"Version: {version}".encode(), data, count=1)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            records.append(f"{path},sha256={digest.decode()},{len(data)}")
            out.writestr(_renamed(info, path), data, compresslevel=1)  # fast: read once, by pip
        assert record_path, f"{wheel.name} has no RECORD"
        records.append(f"{record_path},,")
        out.writestr(record_path, "\n".join(records) + "\n")
    assert parse_wheel_filename(target.name)[1] == version > old
    return target


def _renamed(info: zipfile.ZipInfo, path: str) -> zipfile.ZipInfo:
    copy = zipfile.ZipInfo(path, date_time=info.date_time)
    copy.external_attr, copy.compress_type = info.external_attr, zipfile.ZIP_DEFLATED
    return copy


def _simple_pages(files: Path, simple: Path) -> None:
    """PEP 503 pages: ``simple/<project>/index.html`` linking each wheel with its sha256."""
    projects: dict[str, list[Path]] = {}
    for wheel in sorted(files.glob("*.whl")):
        projects.setdefault(parse_wheel_filename(wheel.name)[0], []).append(wheel)
    for project, wheels in projects.items():
        page = simple / project
        page.mkdir(parents=True)
        links = [
            f'<a href="../../files/{html.escape(w.name)}#sha256='
            f'{hashlib.sha256(w.read_bytes()).hexdigest()}">{html.escape(w.name)}</a><br/>'
            for w in wheels
        ]
        (page / "index.html").write_text("<!DOCTYPE html><html><body>\n" + "\n".join(links))
    listing = [f'<a href="{p}/">{p}</a><br/>' for p in sorted(projects)]
    (simple / "index.html").write_text("<!DOCTYPE html><html><body>\n" + "\n".join(listing))


@contextmanager
def serve_index(index: FutureIndex) -> Iterator[str]:
    """The index over HTTP on a free port of 127.0.0.1; yields its ``--index-url``."""

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(Quiet, directory=str(index.root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/simple/"
    finally:
        server.shutdown()
        server.server_close()


def installed(python: Path | str) -> dict[str, Version]:
    """Every distribution in ``python``'s environment, by canonical name."""
    code = (
        "import importlib.metadata as m, json\n"
        "print(json.dumps([[d.metadata['Name'], d.version] for d in m.distributions()]))"
    )
    done = subprocess.run(
        [str(python), "-I", "-c", code], capture_output=True, text=True, check=True
    )
    return {canonicalize_name(n): Version(v) for n, v in json.loads(done.stdout)}
