"""The live trace stores the sink tests talk to: Arize Phoenix (an OTLP trace store with a REST
API) and moto's S3 server, each a server process from the ``build/stores`` virtualenv (``make
stores``; ``$CIOPT_TEST_STORES`` names its ``bin``), on a free port of 127.0.0.1, offline.

``Store.start()`` returns at once and ``ready()`` waits for the health check, so a store can
start while other tests run. Without the binaries a test is skipped, or failed under
``CIOPT_REQUIRE_TOOLS``.
"""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import pytest

from tests.helpers import REQUIRE_TOOLS, ROOT

__all__ = ["BIN", "Store", "closed_port", "moto", "phoenix"]

# read at import: tests/conftest.py clears CIOPT_* variables before each test runs
_GIVEN = Path(os.environ.get("CIOPT_TEST_STORES") or "build/stores/bin")
BIN = _GIVEN if _GIVEN.is_absolute() else ROOT / _GIVEN
STARTUP_S = 300.0  # Phoenix takes ~25 s on a busy two-core machine: migrations, then the app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def closed_port() -> int:
    """A port nothing listens on (it was free a moment ago)."""
    return free_port()


@dataclass
class Store:
    """One server process: ``argv`` run with ``env`` on ``port``, healthy when ``health``
    (a path) answers 200."""

    name: str
    argv: list[str]
    port: int
    health: str
    env: dict[str, str] = field(default_factory=dict)
    log: Path | None = None
    _process: subprocess.Popen[bytes] | None = None
    _log_file: IO[bytes] | None = None
    started_at: float = 0.0
    ready_after_s: float | None = None  # seconds from start to healthy, measured
    unanswered: str = ""  # why the last health check got no answer

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def require(self) -> None:
        binary = Path(self.argv[0])
        if binary.is_file():
            return
        reason = f"needs {binary} (the live {self.name}): run `make stores`"
        if REQUIRE_TOOLS:
            pytest.fail(f"CIOPT_REQUIRE_TOOLS is set, and this test {reason}")
        pytest.skip(reason)

    def start(self) -> Store:
        if self._process is None and Path(self.argv[0]).is_file():
            assert self.log is not None
            self._log_file = self.log.open("wb")
            self.started_at = time.monotonic()
            self._process = subprocess.Popen(
                self.argv,
                env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **self.env},
                stdin=subprocess.DEVNULL,
                stdout=self._log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return self

    def ready(self) -> Store:
        """Wait for the health check (or fail, with the log's end, at the deadline)."""
        self.require()
        self.start()
        assert self._process is not None
        deadline = self.started_at + STARTUP_S
        while self.ready_after_s is None:
            if self._process.poll() is not None or time.monotonic() > deadline:
                said = self.log.read_text(errors="replace")[-3000:] if self.log else ""
                pytest.fail(
                    f"{self.name} did not start ({self._process.returncode}; the health check's "
                    f"last error: {self.unanswered or 'none'}):\n{said}"
                )
            if self.get(self.health, timeout=2)[0] == 200:
                self.ready_after_s = time.monotonic() - self.started_at
            else:
                time.sleep(0.25)
        return self

    def get(self, path: str, timeout: float = 10) -> tuple[int, bytes]:
        """``GET path`` on the store over a plain socket (``http.client``): no proxy from the
        environment and no HTTP mock of the test process (``responses`` patches ``requests``)
        stands between the tests and the store. Status 0: no answer."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request("GET", path)
            answer = connection.getresponse()
            return answer.status, answer.read()
        except OSError as exc:
            self.unanswered = f"{type(exc).__name__}: {exc}"
            return 0, b""
        finally:
            connection.close()

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None


def phoenix(work: Path) -> Store:
    """Arize Phoenix with its database in ``work``: no telemetry, nothing fetched from the
    internet, bound to 127.0.0.1 only."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    return Store(
        name="Arize Phoenix",
        argv=[str(BIN / "phoenix"), "serve"],
        port=port,
        health="/healthz",
        env={
            "HOME": str(work),
            "PHOENIX_WORKING_DIR": str(work),
            "PHOENIX_HOST": "127.0.0.1",
            "PHOENIX_PORT": str(port),
            "PHOENIX_GRPC_PORT": str(free_port()),
            "PHOENIX_TELEMETRY_ENABLED": "false",
            "PHOENIX_ALLOW_EXTERNAL_RESOURCES": "false",
            "PHOENIX_DISABLE_AGENT_ASSISTANT": "true",  # nothing the tests use
            "PHOENIX_AGENTS_DISABLE_BASH": "true",
            "PHOENIX_AGENTS_DISABLE_WEB_ACCESS": "true",
        },
        log=work / "phoenix.log",
    )


def moto(work: Path) -> Store:
    """moto's server mode: S3 (and the rest of AWS) in memory."""
    work.mkdir(parents=True, exist_ok=True)
    port = free_port()
    return Store(
        name="moto S3 server",
        argv=[str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        port=port,
        health="/moto-api/",
        env={"HOME": str(work)},
        log=work / "moto.log",
    )
