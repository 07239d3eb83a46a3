"""The live trace stores, one of each per test session (``stores.py``).

Each is started when the first test needs it, and the fixture waits for its health check
(Phoenix takes ~25 s). Started earlier, when the tests were collected, a Phoenix that had
started (its log said so) did not answer its health check fifteen minutes of other tests later
in full runs, though it did in every run of these tests alone; started late it is as in those.
Both stop when the session ends.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.trace.sinks.stores import Store, moto, phoenix


class _Live:
    def __init__(self) -> None:
        self.work: Path | None = None
        self.stores: dict[str, Store] = {}

    def get(self, name: str) -> Store:
        if name not in self.stores:
            if self.work is None:
                self.work = Path(tempfile.mkdtemp(prefix="ciopt-stores-"))
            make = {"phoenix": phoenix, "moto": moto}[name]
            self.stores[name] = make(self.work / name)
        return self.stores[name]

    def stop(self) -> None:
        for store in self.stores.values():
            store.stop()
        if self.work is not None:
            shutil.rmtree(self.work, ignore_errors=True)


_LIVE = _Live()


def pytest_sessionfinish(session: pytest.Session) -> None:
    _LIVE.stop()


@pytest.fixture(scope="session")
def phoenix_store() -> Store:
    """A live Arize Phoenix, healthy."""
    return _LIVE.get("phoenix").ready()


@pytest.fixture(scope="session")
def moto_store() -> Store:
    """A live moto S3 server, healthy."""
    return _LIVE.get("moto").ready()
