"""An asyncio event loop in a daemon thread, for calling dagger-io (async) from ciopt (sync).

A Dagger client belongs to the loop its connection was opened in; every call into it goes
through the same ``Portal``. The thread is a daemon: a connection never closed does not keep
ciopt from exiting (the ``dagger session`` process ends when its stdin closes with ours).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["Portal"]

T = TypeVar("T")


class Portal:
    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="ciopt-dagger", daemon=True
        )
        self._thread.start()

    def call(self, coro: Coroutine[Any, Any, T], *, timeout: float | None = None) -> T:
        """Run ``coro`` in the loop and wait for it; ``TimeoutError`` after ``timeout`` seconds
        (the coroutine is then cancelled, as far as it lets itself be)."""
        if not self._thread.is_alive():
            coro.close()
            raise RuntimeError("the Dagger event loop is stopped")
        future = asyncio.run_coroutine_threadsafe(coro, self._loop)
        try:
            return future.result(timeout)
        except TimeoutError:
            future.cancel()
            raise

    def stop(self) -> None:
        """Stop the loop (what still runs in it is abandoned) and close it once its thread has
        ended, which releases its selector and self-pipe."""
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=5)
        if not self._thread.is_alive() and not self._loop.is_closed():
            self._loop.close()
