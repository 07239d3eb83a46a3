"""The client's interpreter for tests that run code of their own in it."""

from __future__ import annotations

from pathlib import Path

from ciopt.client import Client
from ciopt.executors import open_executor
from ciopt.verify.differential import Options, Replayer, functions_in

__all__ = ["local_client", "recorded_replayer", "small_project"]


def local_client(python: str, *modules: str) -> Client:
    """The client's interpreter on the local executor, with a minimal environment."""
    return Client(
        python,
        open_executor("local"),
        environ={"PATH": "/usr/bin:/bin"},
        import_roots=["src"],
        modules=list(modules),
    )


def small_project(root: Path, package: str, init: str, core: str, tests: str) -> Path:
    """``src/<package>/__init__.py``, ``core.py`` and ``tests/test_<package>.py`` at ``root``."""
    for rel, text in {"__init__.py": init, "core.py": core}.items():
        (root / "src" / package).mkdir(parents=True, exist_ok=True)
        (root / "src" / package / rel).write_text(text)
    (root / "tests").mkdir(exist_ok=True)
    (root / "tests" / f"test_{package}.py").write_text(tests)
    return root


def recorded_replayer(python: str, base: Path, package: str, options: Options) -> Replayer:
    """A replayer of ``small_project``'s ``core.py``, its tests' calls recorded (all recordable)."""
    found = Replayer(local_client(python, package), base, base.parent / "work", options)
    recorded = found.record(["tests"], functions_in(base, [f"src/{package}/core.py"]))
    assert not [r.error for r in recorded.values() if r.error]
    return found
