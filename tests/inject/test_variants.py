"""Variants of recorded calls, derived in the client's interpreter from the recorded objects."""

from __future__ import annotations

import importlib
import pickle
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ciopt.inject import INJECT_DIR

if str(INJECT_DIR) not in sys.path:
    sys.path.insert(0, str(INJECT_DIR))
ciopt_variants: Any = importlib.import_module("ciopt_variants")


@dataclass
class Item:
    name: str


def entry(*args: Any, **kwargs: Any) -> dict[str, Any]:
    return {"args": pickle.dumps((args, kwargs), protocol=4), "repr": "(...)"}


def test_containers_become_empty_one_doubled_reversed_and_large() -> None:
    items = [Item("a"), Item("b")]
    made = list(ciopt_variants.variants(items))
    assert [len(m) for m in made] == [0, 1, 4, 2, ciopt_variants.LARGE]
    assert made[2][0] is made[2][2]  # the same objects, twice
    assert made[3] == items[::-1]
    assert list(ciopt_variants.variants({"k": 1, "j": 2})) == [{}, {"k": 1}, {"j": 2, "k": 1}]
    assert list(ciopt_variants.variants(frozenset({1}))) == [frozenset(), frozenset({1})]
    assert list(ciopt_variants.variants((1, 2))) == []  # a short tuple is a record, not a list
    assert list(ciopt_variants.variants(Item("x"))) == []


def test_derive_varies_one_argument_at_a_time_and_drops_repeats() -> None:
    calls = [entry([Item("a")], 3, key=[Item("b"), Item("c")]), entry(Item("z"))]
    found = ciopt_variants.derive(calls, [0, 1], 50)
    unpickled = [pickle.loads(f["args"]) for f in found]
    # [a] -> [], (one is itself: dropped), [a, a], (reversed: itself), [a] * LARGE; then key
    assert [(len(args[0]), len(kw["key"])) for args, kw in unpickled] == [
        (0, 2),
        (2, 2),
        (ciopt_variants.LARGE, 2),
        (1, 0),
        (1, 1),
        (1, 4),
        (1, 2),  # reversed
        (1, ciopt_variants.LARGE),
    ]
    assert all(args[1] == 3 for args, _ in unpickled)
    assert found[0]["shape"]["args"][0] == {"type": "list", "len": 0, "items": []}
    name = f"{__name__}.Item"
    assert found[1]["shape"]["args"][0]["items"] == [{"type": "object", "class": name}]
    assert len(ciopt_variants.derive(calls, [0], 2)) == 2


def test_main_appends_to_the_generated_calls(tmp_path: Path) -> None:
    recording = tmp_path / "recording.pkl"
    key = "m:f"
    data = {"version": 1, "targets": {key: {"calls": [entry([1, 2])], "counts": {}}}}
    recording.write_bytes(pickle.dumps(data))
    out = tmp_path / "generated.pkl"
    made = {"version": 1, "targets": {key: {"calls": [entry([])], "counts": {}, "error": None}}}
    out.write_bytes(pickle.dumps(made))
    args = [str(recording), str(out), f"--only={key}", "--call=0", "--max=3"]
    assert ciopt_variants.main(args) == 0
    calls = pickle.loads(out.read_bytes())["targets"][key]["calls"]
    assert [pickle.loads(c["args"])[0][0] for c in calls] == [[], [1], [1, 2, 1, 2], [2, 1]]
