"""Executors by name. Add one by writing a module against ``Executor`` and registering it here."""

from __future__ import annotations

from collections.abc import Callable

from ciopt.errors import ConfigError
from ciopt.executors.base import Executor, scrubbed_env
from ciopt.executors.local import LocalExecutor

__all__ = ["EXECUTORS", "Executor", "open_executor", "scrubbed_env"]

EXECUTORS: dict[str, Callable[[], Executor]] = {"local": LocalExecutor}


def open_executor(name: str) -> Executor:
    try:
        return EXECUTORS[name]()
    except KeyError:
        known = ", ".join(sorted(EXECUTORS))
        raise ConfigError(f"unknown executor {name!r}; use one of: {known}") from None
