"""The live trace stores, one of each per test session (``stores.py``).

Phoenix takes ~25 s to start, so it is started as soon as the collected tests are known to need
it (``pytest_collection_finish``), and runs while the tests before them do; the fixture waits
for its health check. Both stop when the session ends.
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


def pytest_collection_finish(session: pytest.Session) -> None:
    for name in ("phoenix", "moto"):
        if any(f"{name}_store" in getattr(item, "fixturenames", ()) for item in session.items):
            _LIVE.get(name).start()


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
