"""Generated inputs for code without type hints, from the shapes of its recorded calls.

A small project (``bag``) whose source has no hints: its tests never pass an empty list or
duplicates, so edits wrong only there pass the tests and agree on every recorded call. Only
the generated inputs, built from the recorded calls' shapes (or, for the client's classes,
varied from the recorded objects in the client's interpreter), can tell them apart.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from ciopt.verdict import Differential, TargetEvidence
from ciopt.verify.differential import Options, Replayer, changed_between
from ciopt.verify.shapes import call_key, read_shape
from tests.helpers import recorded_replayer, small_project

SOURCE = """
from dataclasses import dataclass


def dedupe(items):
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out


@dataclass
class Order:
    qty: int


def total(orders):
    t = 0
    for order in orders:
        t += order.qty
    return t


def names(table):
    return sorted(table)


class Shelf:
    def __init__(self):
        self.items = []

    def put(self, item):
        self.items.append(item)
        return len(self.items)
"""

TESTS = """
from bag import Order, Shelf, dedupe, names, total


def test_dedupe():
    assert dedupe([3, 1, 2]) == [3, 1, 2]
    assert dedupe([5, 4]) == [5, 4]
    assert dedupe([7, 8, 9, 10]) == [7, 8, 9, 10]
    assert dedupe([1, 2, 3, 4, 5, 6]) == [1, 2, 3, 4, 5, 6]
    assert dedupe([9, 8]) == [9, 8]


def test_total():
    assert total([Order(1), Order(2)]) == 3
    assert total([Order(5)]) == 5


def test_names():
    assert names({"b": [1, [2]], "a": []}) == ["a", "b"]
    assert len(names({str(i): [i] for i in range(5000)})) == 5000


def test_shelf():
    assert Shelf().put("a") == 1
"""

OPTIONS = Options(examples=30, call_timeout=2.0)


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("shapes") / "base"
    return small_project(root, "bag", "from bag.core import *  # noqa\n", SOURCE, TESTS)


@pytest.fixture(scope="module")
def replayer(base: Path, client_python: str) -> Replayer:
    return recorded_replayer(client_python, base, "bag", OPTIONS)


def changed(replayer: Replayer, base: Path, old: str, new: str) -> Differential:
    head = base.parent / f"head-{abs(hash(new)) % 10**8}"
    shutil.rmtree(head, ignore_errors=True)
    shutil.copytree(base, head)
    core = head / "src" / "bag" / "core.py"
    assert old in core.read_text()
    core.write_text(core.read_text().replace(old, new))
    fns, also = changed_between(base, head, ["src/bag/core.py"])
    assert fns
    return replayer.check(head, fns, head.name, also)


def key_of(call: dict[str, Any]) -> str:
    shape = read_shape(call.get("shape"))
    assert shape is not None
    return call_key(shape)


def only(found: Differential) -> TargetEvidence:
    (target,) = found.targets
    return target


DEDUPE_LOOP = """    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
"""


def test_the_recorder_keeps_each_calls_shape(replayer: Replayer) -> None:
    dedupe = replayer.recorded["bag.core:dedupe"].calls
    assert len(dedupe) == 5
    assert {key_of(c) for c in dedupe} == {"(list[int]:several)"}
    (one, two) = (c["shape"] for c in replayer.recorded["bag.core:total"].calls)
    order = {"type": "object", "class": "bag.core.Order"}
    assert one["args"] == [{"type": "list", "len": 2, "items": [order]}]
    assert two["args"][0]["len"] == 1
    small, large = (c["shape"]["args"][0] for c in replayer.recorded["bag.core:names"].calls)
    nested = {
        "type": "list",
        "len": 2,
        "items": ["int", {"type": "list", "len": 1, "items": ["int"]}],
    }
    assert small["values"] == [nested, {"type": "list", "len": 0, "items": []}]
    assert large == {
        "type": "dict",
        "len": 5000,
        "keys": ["str"],
        "values": [{"type": "list", "len": 1, "items": ["int"]}],
    }
    (put,) = replayer.recorded["bag.core:Shelf.put"].calls
    assert put["shape"]["args"] == [{"type": "object", "class": "bag.core.Shelf"}, "str"]


def test_a_function_without_hints_gets_inputs_of_its_recorded_shapes(
    replayer: Replayer, base: Path
) -> None:
    found = changed(replayer, base, DEDUPE_LOOP, "    return list(dict.fromkeys(items))\n")
    dedupe = only(found)
    assert (dedupe.mismatches, dedupe.calls_equal) == (0, 5)
    assert dedupe.generated_from == "shapes" and dedupe.generated_note is None
    assert dedupe.generated_equal == dedupe.generated_compared >= 20
    assert dedupe.input_shapes == 3 and dedupe.input_shapes_possible == 3
    generated = replayer.generated["bag.core:dedupe"][1]
    assert generated is not None
    shapes = {key_of(c) for c in generated.calls}
    assert shapes == {"(list:empty)", "(list[int]:one)", "(list[int]:several)"}
    assert replayer.low_evidence(found) == []


def test_an_edit_wrong_only_on_an_empty_list_is_caught(replayer: Replayer, base: Path) -> None:
    found = changed(
        replayer, base, DEDUPE_LOOP, "    if not items:\n        return None\n" + DEDUPE_LOOP
    )
    dedupe = only(found)
    assert dedupe.calls_equal == dedupe.calls_compared == 5  # the tests never pass []
    assert dedupe.mismatches == 1
    (example,) = found.examples
    assert (example.call.startswith("gen:"), example.input) == (True, "([])")
    assert example.difference == "return: list[] became None"


def test_an_edit_wrong_only_on_duplicates_is_caught(replayer: Replayer, base: Path) -> None:
    found = changed(replayer, base, DEDUPE_LOOP, "    return list(items)\n")
    dedupe = only(found)
    assert dedupe.calls_equal == dedupe.calls_compared == 5  # the tests never repeat an item
    assert dedupe.mismatches >= 1
    assert all(m.call.startswith("gen:") for m in found.examples)


def test_five_equal_calls_of_one_shape_are_low_confidence(
    replayer: Replayer, base: Path, tmp_path: Path
) -> None:
    recorded_only = Replayer(replayer.client, base, tmp_path, Options(examples=0))
    shutil.copy(replayer.recording, recorded_only.recording)
    recorded_only.recorded = replayer.recorded
    found = changed(recorded_only, base, DEDUPE_LOOP, "    return list(dict.fromkeys(items))\n")
    dedupe = only(found)
    assert (dedupe.calls_equal, dedupe.generated, dedupe.input_shapes) == (5, 0, 1)
    assert recorded_only.low_evidence(found) == [
        "src/bag/core.py::dedupe: the calls compared equal cover 1 distinct input shape(s) "
        "((list[int]:several)); the floor is 3"
    ]


def test_objects_of_the_clients_classes_are_varied_in_its_interpreter(
    replayer: Replayer, base: Path
) -> None:
    loop = "    t = 0\n    for order in orders:\n        t += order.qty\n    return t\n"
    found = changed(replayer, base, loop, "    return sum(o.qty for o in orders)\n")
    total = only(found)
    assert total.mismatches == 0 and total.generated_from == "shapes"
    assert total.generated_equal == total.generated_compared >= 6
    assert total.generated_note == "calls holding bag.core.Order are varied from 2 recorded call(s)"
    assert total.input_shapes == 3  # empty, one, several orders

    wrong = "    return sum(o.qty for o in orders) if orders else None\n"
    found = changed(replayer, base, loop, wrong)
    assert only(found).calls_equal == 2 and found.mismatches == 1
    assert found.examples[0].input == "([])"


def test_calls_without_a_container_to_vary_are_left_out_and_said_so(
    replayer: Replayer, base: Path
) -> None:
    found = changed(
        replayer, base, "self.items.append(item)", "self.items.insert(len(self.items), item)"
    )
    put = only(found)
    assert (put.calls_equal, put.generated, put.generated_from) == (1, 0, None)
    assert put.generated_note == (
        "a method needs an instance; recorded calls holding bag.core.Shelf are left out "
        "(no container argument to vary)"
    )
    assert put.input_shapes == 1 and replayer.low_evidence(found)[0].startswith(
        "src/bag/core.py::Shelf.put: 1 recorded call(s)"
    )
