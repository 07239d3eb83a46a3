"""A git server over HTTP on 127.0.0.1 (``git http-backend`` behind ``http.server``) that
records every request's headers: the forge, for pushes and fetches with a token; or, with no
repositories, a capture that answers 404 to anything and only records who came.

    with git_http(root, user="x-access-token", token="s3cret") as forge:
        url = f"{forge.url}/textkit.git"      # root / "textkit.git", a bare repository
        ...
        assert all(r["authorization"] == forge.expected for r in forge.requests)

With a ``token``, a request without ``Authorization: Basic base64(user:token)`` gets 401, so a
push or fetch succeeds only if the header arrived.
"""

from __future__ import annotations

import base64
import os
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

__all__ = ["Served", "git_http"]


@dataclass
class Served:
    url: str
    expected: str | None  # the Authorization header the forge accepts
    requests: list[dict[str, str]] = field(default_factory=list)  # lower-case header names


@contextmanager
def git_http(root: Path | None, *, user: str = "", token: str | None = None) -> Iterator[Served]:
    """Serve the bare repositories under ``root`` (None: a capture serving nothing)."""
    basic = base64.b64encode(f"{user}:{token}".encode()).decode() if token else None
    served = Served(url="", expected=f"Basic {basic}" if basic else None)
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            body = self._body()
            path, _, query = self.path.partition("?")
            with lock:
                served.requests.append(
                    {"method": self.command, "path": self.path}
                    | {k.lower(): v for k, v in self.headers.items()}
                )
            if root is None:
                self._send(404, {}, b"nothing here\n")
                return
            if served.expected and self.headers.get("Authorization") != served.expected:
                self._send(401, {"WWW-Authenticate": 'Basic realm="forge"'}, b"")
                return
            env = {
                "PATH": os.environ["PATH"],
                "HOME": str(root),
                "GIT_CONFIG_NOSYSTEM": "1",
                "GIT_PROJECT_ROOT": str(root),
                "GIT_HTTP_EXPORT_ALL": "1",
                "REQUEST_METHOD": self.command,
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_ADDR": "127.0.0.1",
                "REMOTE_USER": user or "anonymous",  # lets http-backend accept pushes
            }
            for name in ("Content-Encoding", "Git-Protocol"):
                if self.headers.get(name):
                    env["HTTP_" + name.upper().replace("-", "_")] = self.headers[name]
            done = subprocess.run(
                ["git", "http-backend"],
                input=body,
                env=env,
                capture_output=True,
                timeout=60,
                check=False,
            )
            head, _, payload = done.stdout.partition(b"\r\n\r\n")
            headers = dict(
                line.split(": ", 1) for line in head.decode().split("\r\n") if ": " in line
            )
            status = int(headers.pop("Status", "200").split()[0])
            self._send(status, headers, payload)

        def _body(self) -> bytes:
            if self.headers.get("Transfer-Encoding", "").lower() != "chunked":
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""
            chunks = []
            while size := int(self.rfile.readline().strip() or b"0", 16):
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            self.rfile.readline()
            return b"".join(chunks)

        def _send(self, status: int, headers: dict[str, str], payload: bytes) -> None:
            self.send_response(status)
            for name, value in headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        do_GET = do_POST = _answer

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    served.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
