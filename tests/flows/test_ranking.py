"""``flows.ranking``: cProfile's (file, line, name) named as targets, and the ranking of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from ciopt.client import resolve_target
from ciopt.flows.ranking import CodeNames, Named, rank

SOURCE = """\
import functools


def plain(xs):
    return sorted(xs, key=lambda x: -x)


class Shape:
    sides = [n for n in range(3)]

    @functools.lru_cache
    def area(self):
        def helper(k):
            return [k * j for j in range(k)]
        return helper(3)

    class Inner:
        async def go(self):
            return 1


def outer():
    class Local:
        def method(self):
            return 2
    return Local
"""


def _line(text: str) -> int:
    """The number of the first line of ``SOURCE`` that holds ``text``."""
    return next(n for n, line in enumerate(SOURCE.splitlines(), 1) if text in line)


@pytest.mark.parametrize(
    ("line", "co_name", "expected"),
    [
        ("def plain", "plain", Named("plain", entry=True)),
        ("lambda x", "<lambda>", Named("plain", entry=False)),
        # a decorated method: cProfile's first line is the decorator's (Python 3.8+)
        ("@functools.lru_cache", "area", Named("Shape.area", entry=True)),
        ("def area", "area", Named("Shape.area", entry=True)),
        ("def helper", "helper", Named("Shape.area", entry=False)),
        ("[k * j", "<listcomp>", Named("Shape.area", entry=False)),
        ("async def go", "go", Named("Shape.Inner.go", entry=True)),
        ("class Local", "Local", Named("outer", entry=False)),
        ("def method(self)", "method", Named("outer", entry=False)),
        # module and class bodies run once, at import: no target
        ("import functools", "<module>", None),
        ("class Shape", "Shape", None),
        ("sides =", "<listcomp>", None),
    ],
)
def test_code_objects_are_named_as_targets_are(
    line: str, co_name: str, expected: Named | None
) -> None:
    assert CodeNames(SOURCE).name(_line(line), co_name) == expected


def test_every_name_resolves_as_a_target(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(SOURCE)
    names = CodeNames(SOURCE)
    for line, co_name in [("lambda x", "<lambda>"), ("def helper", "helper"), ("go", "go")]:
        named = names.name(_line(line), co_name)
        assert named is not None
        assert resolve_target(tmp_path, f"mod.py::{named.qualname}").qualname == named.qualname


def _row(function: str, line: int, tottime: float, cumtime: float, **more: Any) -> dict[str, Any]:
    return {"file": "mod.py", "line": line, "function": function, "calls": 1,
            "tottime_s": tottime, "cumtime_s": cumtime, **more}  # fmt: skip


def test_nested_code_is_its_function_s_and_other_project_functions_are_not(
    tmp_path: Path,
) -> None:
    (tmp_path / "mod.py").write_text(SOURCE)
    area, helper, comp = _line("def area") - 1, _line("def helper"), _line("[k * j")
    plain = _line("def plain")
    profile = {
        "bench_s": 10.0,
        "tests": 2,
        "functions": [
            # Shape.area calls plain (another target) and its own helper, whose list
            # comprehension runs under it too
            _row(
                "area",
                area,
                1.0,
                6.0,
                callees=[["mod.py", helper, "helper", 2.0], ["mod.py", plain, "plain", 3.0]],
            ),
            _row("helper", helper, 0.5, 2.0, callees=[["mod.py", comp, "<listcomp>", 1.5]]),
            _row("<listcomp>", comp, 1.5, 1.5),
            _row("plain", plain, 0.2, 3.0),
            _row("<lambda>", _line("lambda x"), 0.01, 0.01),
            _row("<module>", 1, 0.0, 0.0),
        ],
    }
    found = rank(profile, tmp_path, bench=["b"], top=1)
    by_target = {row.target: row for row in found.rows}
    area_row = by_target["mod.py::Shape.area"]
    assert area_row.cum_s == 6.0 and area_row.self_s == 3.0
    assert area_row.own_s == 3.0  # less plain's 3 s, its helper and comprehension kept
    assert by_target["mod.py::plain"].own_s == 3.0  # sorted() and its lambda are its own
    assert [r.target for r in found.rows] == ["mod.py::Shape.area", "mod.py::plain"]
    assert found.targets == ["mod.py::Shape.area"]  # top=1
    assert found.negligible == 0
    assert sum(r.own_share for r in found.rows) <= 1.0


def test_a_function_of_negligible_share_is_left_out(tmp_path: Path) -> None:
    (tmp_path / "mod.py").write_text(SOURCE)
    profile = {
        "bench_s": 1.0,
        "functions": [
            _row("plain", _line("def plain"), 0.5, 0.5),
            _row("go", _line("async def go"), 0.001, 0.001),
        ],
    }
    found = rank(profile, tmp_path, bench=["b"], top=4, min_share=0.01)
    assert found.targets == ["mod.py::plain"] and found.negligible == 1
