"""ciopt's instruction-count plugin: loaded with ``-p ciopt_instr -p no:benchmark``. Stdlib only.

It stands in for pytest-benchmark when ciopt counts instructions under valgrind. Its ``benchmark``
fixture calls the benchmarked function exactly ``$CIOPT_INSTR_CALLS`` times and never reads a
clock, so two runs that differ only in that number differ only by the work of the extra calls.
``benchmark.pedantic``'s ``setup`` is called ``$CIOPT_INSTR_SETUPS`` times (default: once per
call) whatever the number of calls, so that setup work cancels out of the difference too.
Before the first call the heap is collected and frozen (``gc.freeze``), so every run starts its
calls from the same collector state and collections during the calls only scan new objects.

Tests that do not use the ``benchmark`` fixture are deselected. pytest-benchmark's command-line
options (from a project's ``addopts``) are accepted and ignored. When the session ends it writes
``{"benchmarks": {nodeid: calls_made}, "selectors": {nodeid: arg}, "exitstatus": n}`` to
``$CIOPT_INSTR_OUT``, where ``arg`` selects that one test from the invocation directory; under
``--collect-only`` every selected benchmark is listed with 0 calls.
"""

from __future__ import annotations

import contextlib
import gc
import json
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

_calls: dict[str, int] = {}
_selectors: dict[str, str] = {}

# pytest-benchmark's options by the number of values they take (argparse's nargs; "0": a flag),
# registered and ignored so that a project's ``addopts`` still parses without pytest-benchmark.
_IGNORED_OPTIONS = {
    "0": "verbose quiet disable-gc skip disable enable only autosave save-data",
    "1": "sort group-by columns name time-unit storage min-time max-time min-rounds precision "
    "confidence timer calibration-precision warmup-iterations save json cprofile cprofile-loops "
    "cprofile-top",
    "?": "histogram csv netrc warmup compare cprofile-dump",
    "+": "compare-fail",
}


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class FixedBenchmark:
    """The parts of pytest-benchmark's fixture that benchmark tests use, without any timing."""

    def __init__(self, nodeid: str, name: str, calls: int, setups: int) -> None:
        self.fullname = nodeid
        self.name = name
        self.group: str | None = None
        self.extra_info: dict[str, Any] = {}
        self.calls = calls
        self.setups = setups
        self._used = False

    def __call__(self, function_: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        self._start()
        result = None
        try:
            for _ in range(self.calls):
                result = function_(*args, **kwargs)
        finally:
            gc.unfreeze()
        _calls[self.fullname] = self.calls
        return result

    def pedantic(
        self,
        target: Callable[..., Any],
        args: tuple[Any, ...] | list[Any] = (),
        kwargs: dict[str, Any] | None = None,
        setup: Callable[[], Any] | None = None,
        rounds: int = 1,
        warmup_rounds: int = 0,
        iterations: int = 1,
    ) -> Any:
        """Call ``target`` the fixed number of times; rounds, iterations and warmup are ignored."""
        del rounds, warmup_rounds, iterations
        self._start()
        result = None
        try:
            for done in range(max(self.calls, self.setups if setup is not None else 0)):
                call_args, call_kwargs = tuple(args), dict(kwargs or {})
                if setup is not None and done < self.setups:
                    made = setup()
                    if made is not None:
                        call_args, call_kwargs = tuple(made[0]), dict(made[1])
                if done < self.calls:
                    result = target(*call_args, **call_kwargs)
        finally:
            gc.unfreeze()
        _calls[self.fullname] = self.calls
        return result

    def _start(self) -> None:
        if self._used:
            raise RuntimeError("the benchmark fixture can only be used once per test")
        self._used = True
        gc.collect()
        gc.freeze()


@pytest.fixture
def benchmark(request: pytest.FixtureRequest) -> Iterator[FixedBenchmark]:
    node = request.node
    calls = _env_int("CIOPT_INSTR_CALLS", 1)
    fixture = FixedBenchmark(node.nodeid, node.name, calls, _env_int("CIOPT_INSTR_SETUPS", calls))
    marker = node.get_closest_marker("benchmark")
    if marker is not None:
        fixture.group = marker.kwargs.get("group")
    yield fixture


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ciopt_instr", "pytest-benchmark options (ignored by ciopt_instr)")
    for nargs, names in _IGNORED_OPTIONS.items():
        kwargs: dict[str, Any] = {"0": {"action": "store_true"}, "1": {}}.get(
            nargs, {"nargs": nargs}
        )
        for name in names.split():
            with contextlib.suppress(ValueError):  # pytest-benchmark is loaded after all
                group.addoption(f"--benchmark-{name}", dest=f"ciopt_ignored_{name}", **kwargs)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "benchmark(**kwargs): pytest-benchmark settings (ignored)")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (keep if "benchmark" in getattr(item, "fixturenames", ()) else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
    here = config.invocation_params.dir
    for item in keep:
        _calls.setdefault(item.nodeid, 0)
        path = os.path.relpath(item.path, here)
        _, sep, rest = item.nodeid.partition("::")
        _selectors[item.nodeid] = f"{path}{sep}{rest}"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    out = os.environ.get("CIOPT_INSTR_OUT")
    if not out:
        return
    data = {"benchmarks": _calls, "selectors": _selectors, "exitstatus": int(exitstatus)}
    with open(out, "w", encoding="utf-8") as fh:
        json.dump(data, fh)
