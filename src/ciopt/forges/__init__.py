"""Forges by name. Add one by writing a module against ``Forge`` and registering it here."""

from __future__ import annotations

from collections.abc import Callable

from ciopt.errors import ConfigError
from ciopt.forges.base import Forge, Publication
from ciopt.forges.local import LocalForge
from ciopt.forges.none import NoForge

__all__ = ["FORGES", "Forge", "Publication", "open_forge"]

FORGES: dict[str, Callable[[], Forge]] = {"local": LocalForge, "none": NoForge}


def open_forge(name: str) -> Forge:
    try:
        return FORGES[name]()
    except KeyError:
        known = ", ".join(sorted(FORGES))
        raise ConfigError(f"unknown forge {name!r}; use one of: {known}") from None
