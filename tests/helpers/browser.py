"""A page opened in headless Chromium, driven over the DevTools protocol on a pipe.

``open_page`` loads a file and returns what the page did: every request it made (the DevTools
``Network.requestWillBeSent`` events of its own tab, the file itself first; Chromium's own
background traffic is not the page's and is not listed), the values of JavaScript expressions
evaluated in the rendered DOM, and a screenshot of the whole page. No websocket library: Chromium
reads commands on fd 3 and writes replies on fd 4 (``--remote-debugging-pipe``), one JSON
object each, ended by a NUL byte.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Opened", "open_page"]

# the child's fd 3 reads commands, its fd 4 writes replies: a trampoline puts them there
_AT_3_AND_4 = (
    "import os, sys; os.dup2(int(sys.argv[1]), 3); os.dup2(int(sys.argv[2]), 4); "
    "os.execv(sys.argv[3], sys.argv[3:])"
)
TIMEOUT = 60.0  # seconds for the whole session; a busy 2-core machine is slow to start Chromium


@dataclass(frozen=True)
class Opened:
    requests: list[str]  # every URL the page asked for, in order
    values: dict[str, Any]  # each expression's value
    screenshot: bytes  # PNG


class _Pipe:
    def __init__(self, proc: subprocess.Popen[bytes], write: int, read: int) -> None:
        self.proc, self.write, self.read = proc, write, read
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []
        self.deadline = time.monotonic() + TIMEOUT

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        message: dict[str, Any] = {"id": self.next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.write, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result") or {})
            self.events.append(reply)

    def wait_for(self, method: str) -> dict[str, Any]:
        for i, event in enumerate(self.events):
            if event.get("method") == method:
                return self.events.pop(i)
        while True:
            event = self._receive()
            if event.get("method") == method:
                return event
            self.events.append(event)

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self.buffer:
            if time.monotonic() > self.deadline:
                raise TimeoutError("Chromium did not answer in time")
            chunk = os.read(self.read, 1 << 16)
            if not chunk:
                raise RuntimeError(f"Chromium closed the pipe (exit {self.proc.poll()})")
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\0")
        return dict(json.loads(line))


def open_page(page: Path, expressions: Mapping[str, str], *, width: int = 1280) -> Opened:
    """Load ``page`` in a fresh headless Chromium and report what it requested and showed."""
    chromium = shutil.which("chromium")
    if chromium is None:
        raise FileNotFoundError("chromium is not installed")
    # above 4, so that putting them at 3 and 4 in the child overwrites neither
    to_child, from_parent = (_high(fd) for fd in os.pipe())
    to_parent, from_child = (_high(fd) for fd in os.pipe())
    with tempfile.TemporaryDirectory(prefix="chromium-") as profile:
        args = [
            "--headless",
            "--no-sandbox",  # as root, Chromium's own sandbox cannot start
            "--disable-gpu",
            "--no-first-run",
            "--hide-scrollbars",
            "--remote-debugging-pipe",
            f"--user-data-dir={profile}",
            "about:blank",
        ]
        proc = subprocess.Popen(
            [sys.executable, "-c", _AT_3_AND_4, str(to_child), str(from_child), chromium, *args],
            pass_fds=(to_child, from_child),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child)
        os.close(from_child)
        pipe = _Pipe(proc, from_parent, to_parent)
        try:
            return _session(pipe, page, expressions, width)
        finally:
            with contextlib.suppress(OSError, RuntimeError, TimeoutError):  # it may go first
                pipe.send("Browser.close")
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            os.close(from_parent)
            os.close(to_parent)


def _high(fd: int) -> int:
    """``fd`` moved to a number above 9."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


def _session(pipe: _Pipe, page: Path, expressions: Mapping[str, str], width: int) -> Opened:
    target = pipe.send("Target.createTarget", url="about:blank")["targetId"]
    session = pipe.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
    for domain in ("Network", "Page", "Runtime"):
        pipe.send(f"{domain}.enable", session)
    pipe.send("Page.navigate", session, url=page.resolve().as_uri())
    pipe.wait_for("Page.loadEventFired")
    values = {}
    for name, expression in expressions.items():
        result = pipe.send("Runtime.evaluate", session, expression=expression, returnByValue=True)
        if "exceptionDetails" in result:
            raise RuntimeError(f"{name}: {result['exceptionDetails']}")
        values[name] = result["result"].get("value")
    height = pipe.send(
        "Runtime.evaluate",
        session,
        expression="document.documentElement.scrollHeight",
        returnByValue=True,
    )["result"]["value"]
    pipe.send(
        "Emulation.setDeviceMetricsOverride",
        session,
        width=width,
        height=int(height),
        deviceScaleFactor=1,
        mobile=False,
    )
    shot = pipe.send("Page.captureScreenshot", session, format="png", captureBeyondViewport=True)
    settle = "new Promise(done => setTimeout(done, 500))"  # a late request still shows
    pipe.send("Runtime.evaluate", session, expression=settle, awaitPromise=True)
    requests = [
        str(e["params"]["request"]["url"])
        for e in pipe.events
        if e.get("method") == "Network.requestWillBeSent" and e.get("sessionId") == session
    ]
    return Opened(requests, values, base64.b64decode(shot["data"]))
