"""The simulated runner's world, made once for the session: ciopt is installed from its lock
by the first job that needs it (``test_action.py``'s first job: a cache miss), and restored
from the cache by every later one, in any module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.action.world import World
from tests.helpers.lock_index import FutureIndex, future_index, serve_index


@pytest.fixture(scope="session")
def index() -> FutureIndex:
    return future_index()


@pytest.fixture(scope="session")
def world(index: FutureIndex, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with serve_index(index) as index_url:
        yield World.make(tmp_path_factory.mktemp("action"), index_url)
