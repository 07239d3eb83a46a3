"""The client's interpreter for tests that run code of their own in it."""

from __future__ import annotations

from ciopt.client import Client
from ciopt.executors import open_executor

__all__ = ["local_client"]


def local_client(python: str, *modules: str) -> Client:
    """The client's interpreter on the local executor, with a minimal environment."""
    return Client(
        python,
        open_executor("local"),
        environ={"PATH": "/usr/bin:/bin"},
        import_roots=["src"],
        modules=list(modules),
    )
