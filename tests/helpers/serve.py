"""Serve a ``responses`` fake over real HTTP, for processes that are not this one.

The fakes (``FakeGitHub``, ``FakeGitLab``) answer requests made in the test's own process. A CI
step run as a subprocess (the composite action's ``ciopt run``, a GitLab job under
gitlab-ci-local) needs an address instead: ``serve(rsps, host_url)`` listens on a free port of
127.0.0.1 and answers each request with the callback the fake registered for the same method and
path under ``host_url``, so one fake's state serves both kinds of caller.

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        fake = FakeGitHub(rsps, clone_url=..., api_url="http://127.0.0.1:<port>")  # see below
        with serve(rsps, fake.api_url) as address: ...

Bind first and build the fake on the served address: ``free_address()`` gives one.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests
import responses

__all__ = ["free_address", "serve"]


def free_address() -> str:
    """``http://127.0.0.1:<port>`` with a port that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextmanager
def serve(rsps: responses.RequestsMock, address: str) -> Iterator[str]:
    """Answer HTTP requests at ``address`` (from ``free_address``) with ``rsps``'s callbacks."""
    lock = threading.Lock()  # the fakes are not thread-safe; one request at a time

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
            prepared = requests.Request(
                self.command, address + self.path, headers=headers, data=body
            ).prepare()
            with lock:
                match, _ = rsps._registry.find(prepared)  # the fake's own routing table
                if match is None:
                    self.send_error(404, f"no fake for {self.command} {self.path}")
                    return
                answer = match.get_response(prepared)
            data = answer.read()
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

        def log_message(self, format: str, *args: object) -> None:
            return

    parts = urlsplit(address)
    server = ThreadingHTTPServer((parts.hostname or "127.0.0.1", parts.port or 80), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield address
    finally:
        server.shutdown()
        server.server_close()
