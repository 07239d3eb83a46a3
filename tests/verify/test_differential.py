"""Differential replay on a real small project: record its tests' calls, replay changed code.

One baseline (``shop``) is recorded once; each test writes a changed copy of it, as a candidate
would, and replays the recorded and generated calls through both, in the client's interpreter.
Every change below passes the project's own tests: only the replay can tell them apart.
"""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

from ciopt.verdict import Differential
from ciopt.verify.differential import Options, Replayer, _after, changed_between, functions_in
from ciopt.verify.equality import Tolerance
from tests.helpers import local_client, recorded_replayer, small_project

SOURCE = """
from __future__ import annotations

import functools
import random
import time
from dataclasses import dataclass, field


def dedupe(items: list[str]) -> list[str]:
    seen = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out


def parse_qty(text):
    if not text.strip().isdigit():
        raise ValueError(f"not a quantity: {text!r}")
    return int(text)


def top(prices, n):
    return sorted(prices, reverse=True)[:n]


def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)


def total(xs):
    return sum(xs)


def pairs(xs):
    for i in range(len(xs) - 1):
        yield xs[i], xs[i + 1]


def stamp(order):
    return (order, time.time_ns())


def shuffle_pick(xs):
    return random.choice(xs)


def apply(fn, xs):
    return [fn(x) for x in xs]


def depth(n):
    return 0 if n == 0 else 1 + depth(n - 1)


def legacy(x):
    return x * 2


TAX = 0.25


@functools.lru_cache(maxsize=None)
def squares(n):
    return [i * i for i in range(n)]


def with_tax(price):
    return price * (1 + TAX)


@dataclass
class Cart:
    items: list[str] = field(default_factory=list)

    def add(self, item):
        self.items.append(item)
        return len(self.items)
"""

TESTS = """
import pytest

from shop import dedupe
from shop.core import (
    Cart, apply, depth, legacy, mean, pairs, parse_qty, shuffle_pick, squares, stamp, top,
    total, with_tax,
)


def test_dedupe():
    assert sorted(dedupe(["b", "a", "b", "c"])) == ["a", "b", "c"]
    assert sorted(dedupe(["x", "y", "x"])) == ["x", "y"]
    assert len(dedupe(["p", "q", "r", "p"])) == 3
    assert dedupe(["z"]) == ["z"]
    assert sorted(dedupe(["k", "j", "k", "i", "j"])) == ["i", "j", "k"]


def test_parse_qty():
    assert parse_qty("3") == 3
    with pytest.raises(Exception):
        parse_qty("three")


def test_top():
    prices = [3, 9, 1, 7]
    assert top(prices, 2) == [9, 7]


def test_mean_total_pairs():
    assert mean([1.0, 2.0, 4.5]) == 2.5
    assert abs(total([0.1, 0.2, 0.3]) - 0.6) < 1e-9
    assert list(pairs([1, 2, 3])) == [(1, 2), (2, 3)]


def test_nondeterministic_and_unpicklable():
    assert stamp("o1")[0] == "o1"
    assert shuffle_pick([5, 5]) == 5
    assert apply(lambda x: x + 1, [1, 2]) == [2, 3]


def test_recursion_and_methods():
    assert depth(3) == 3
    assert legacy(2) == 4
    assert with_tax(4) == 5
    assert squares(3) == [0, 1, 4]
    assert squares.cache_info().hits == 0
    cart = Cart()
    assert cart.add("pen") == 1
    assert cart.add("ink") == 2
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("differential") / "base"
    return small_project(root, "shop", "from shop.core import dedupe\n", SOURCE, TESTS)


@pytest.fixture(scope="module")
def replayer(base: Path, client_python: str) -> Replayer:
    found = recorded_replayer(client_python, base, "shop", Options(examples=30, call_timeout=2.0))
    return found


def candidate(base: Path, old: str, new: str) -> Path:
    head = base.parent / f"head-{abs(hash(new)) % 10**8}"
    shutil.rmtree(head, ignore_errors=True)
    shutil.copytree(base, head)
    core = head / "src" / "shop" / "core.py"
    text = core.read_text()
    old, new = textwrap.dedent(old).strip(), textwrap.dedent(new).strip()
    assert old in text
    core.write_text(text.replace(old, new))
    return head


def changed(replayer: Replayer, base: Path, old: str, new: str) -> Differential:
    """Replay the recorded calls through a copy of the baseline with ``old`` made ``new``."""
    return check(replayer, base, candidate(base, old, new))


def check(replayer: Replayer, base: Path, head: Path, tol: Tolerance | None = None) -> Differential:
    if tol is not None:
        replayer.options = Options(examples=30, call_timeout=2.0, tolerance=tol)
    try:
        fns, also = changed_between(base, head, ["src/shop/core.py"])
        assert fns or also, "the candidate changes no function"
        return replayer.check(head, fns, head.name, also)
    finally:
        replayer.options = Options(examples=30, call_timeout=2.0)


def recorded_mismatches(found: Differential) -> int:
    """Mismatches among the recorded calls (generated inputs may add more)."""
    return sum(t.calls_compared - t.calls_equal for t in found.targets)


def test_the_recorder_sees_real_calls_through_every_import(replayer: Replayer) -> None:
    calls = {key.split(":")[1]: len(r.calls) for key, r in replayer.recorded.items()}
    assert calls["dedupe"] == 5  # called through ``from shop import dedupe``, a re-export
    assert calls["parse_qty"] == 2
    assert calls["depth"] == 1  # the outermost call only, not its recursion
    assert calls["Cart.add"] == 2  # methods, with ``self``
    apply = replayer.recorded["shop.core:apply"]
    assert (len(apply.calls), apply.counts["unpicklable"]) == (0, 1)  # a lambda argument
    first = replayer.recorded["shop.core:parse_qty"].calls[1]
    assert first["outcome"] == "raise" and first["value"]["type"] == "builtins.ValueError"


def test_a_genuine_optimization_matches_on_every_call(replayer: Replayer, base: Path) -> None:
    found = changed(
        replayer,
        base,
        """
        def dedupe(items: list[str]) -> list[str]:
            seen = set()
            out = []
            for item in items:
                if item not in seen:
                    seen.add(item)
                    out.append(item)
            return out
        """,
        """
        def dedupe(items: list[str]) -> list[str]:
            return list(dict.fromkeys(items))
        """,
    )
    assert found.mismatches == 0
    assert (found.calls_compared, found.calls_equal) == (5, 5)
    assert found.generated_equal == found.generated_compared >= 20
    assert replayer.low_evidence(found) == []


def test_order_lost_is_caught_though_the_tests_sort(replayer: Replayer, base: Path) -> None:
    found = changed(
        replayer,
        base,
        "def dedupe(items: list[str]) -> list[str]:",
        "def dedupe(items: list[str]) -> list[str]:\n    return list(set(items))",
    )
    assert found.mismatches > 0
    assert found.targets[0].calls_compared == 5 and found.targets[0].calls_equal < 5
    assert any(m.call.startswith("rec:") for m in found.examples)
    assert found.examples[0].difference.startswith("return[")


def test_a_changed_exception_type_is_caught(replayer: Replayer, base: Path) -> None:
    found = changed(
        replayer,
        base,
        'raise ValueError(f"not a quantity: {text!r}")',
        'raise TypeError(f"not a quantity: {text!r}")',
    )
    assert recorded_mismatches(found) == 1 and found.mismatches > 1  # generated too
    assert found.examples[0].input == "('three')"
    assert 'raised: ValueError("not a quantity' in found.examples[0].difference
    assert "TypeError" in found.examples[0].difference


def test_a_mutated_argument_is_caught(replayer: Replayer, base: Path) -> None:
    found = changed(
        replayer,
        base,
        "return sorted(prices, reverse=True)[:n]",
        "prices.sort(reverse=True)\n    return prices[:n]",
    )
    assert recorded_mismatches(found) == 1
    assert found.examples[0].difference.startswith("args[0][0]: 3 became 9")


def test_the_empty_case_is_caught_by_generated_inputs(replayer: Replayer, base: Path) -> None:
    found = changed(
        replayer,
        base,
        "return sum(xs) / len(xs)",
        "return sum(xs) / len(xs) if xs else 0.0",
    )
    assert found.calls_equal == found.calls_compared == 1  # the tests never pass []
    assert found.mismatches >= 1
    example = found.examples[0]
    assert example.call.startswith("gen:") and example.input == "([])"
    assert "ZeroDivisionError" in example.difference and "returned 0.0" in example.difference


def test_floats_are_exact_unless_a_tolerance_is_asked(replayer: Replayer, base: Path) -> None:
    head = candidate(
        base,
        "def total(xs):\n    return sum(xs)",
        "def total(xs):\n    return __import__('math').fsum(xs)",
    )
    exact = check(replayer, base, head)
    assert recorded_mismatches(exact) == 1
    assert "0.6000000000000001 became 0.6" in exact.examples[0].difference
    tolerant = check(replayer, base, head, Tolerance(rel=1e-9))
    assert recorded_mismatches(tolerant) == 0 and tolerant.calls_equal == 1
    # generated from the recorded list[float]: fsum raises on inf + -inf where sum gives nan
    assert any("in fsum" in m.difference for m in tolerant.examples)


def test_generators_are_drained_and_compared(replayer: Replayer, base: Path) -> None:
    found = changed(
        replayer,
        base,
        "yield xs[i], xs[i + 1]",
        "yield xs[i], xs[i + 1]\n    yield None",
    )
    assert recorded_mismatches(found) == 1
    assert "2 items became 3" in found.examples[0].difference


def test_methods_are_replayed_with_their_instance(replayer: Replayer, base: Path) -> None:
    found = changed(
        replayer,
        base,
        "self.items.append(item)\n        return len(self.items)",
        "self.items.insert(0, item)\n        return len(self.items)",
    )
    assert [t.target for t in found.targets] == ["src/shop/core.py::Cart.add"]
    assert found.mismatches == 1  # the second add: the cart held "pen" already
    assert found.examples[0].difference == "args[0].items[0]: 'pen' became 'ink'"


def test_nondeterministic_functions_are_compared_only_where_stable(
    replayer: Replayer, base: Path
) -> None:
    found = changed(
        replayer, base, "return (order, time.time_ns())", "return (order, time.time_ns() + 0)"
    )
    stamp = found.targets[0]
    assert stamp.nondeterministic and stamp.unstable >= 1
    assert (stamp.calls_compared, found.mismatches) == (0, 0)
    assert replayer.low_evidence(found)  # nothing was shown equal

    # random is seeded in every replay: a function of random is compared like any other
    found = changed(replayer, base, "return random.choice(xs)", "return xs[0]")
    assert not found.targets[0].nondeterministic and found.calls_equal == 1


def test_set_order_is_compared_under_two_hash_seeds(replayer: Replayer, base: Path) -> None:
    # Deterministic under one seed, but the order of a set of strings is not: the baseline's
    # two replays run under different hash seeds, and so do the candidate's.
    found = changed(
        replayer, base, "return sorted(prices, reverse=True)[:n]", "return list(set(prices))"
    )
    assert recorded_mismatches(found) == 1


def test_crashes_and_removed_functions_are_mismatches(replayer: Replayer, base: Path) -> None:
    found = changed(
        replayer,
        base,
        "return 0 if n == 0 else 1 + depth(n - 1)",
        "import os\n    os._exit(3)",
    )
    assert recorded_mismatches(found) == 1
    assert "replay stopped before this call" in found.examples[0].difference

    found = changed(replayer, base, "def legacy(x):\n    return x * 2", "")
    assert recorded_mismatches(found) == 1
    assert "could not be called" in found.examples[0].difference


def test_unpicklable_calls_are_counted_never_passed(replayer: Replayer, base: Path) -> None:
    found = changed(replayer, base, "return [fn(x) for x in xs]", "return list(map(fn, xs))")
    apply = found.targets[0]
    assert (apply.calls_compared, apply.skipped) == (0, {"unpicklable": 1})
    assert found.skipped == {"unpicklable": 1}
    assert "0 recorded call(s) compared equal" in replayer.low_evidence(found)[0]


def test_recording_is_bounded_per_function(base: Path, client_python: str) -> None:
    work = base.parent / "bounded"
    small = Replayer(
        local_client(client_python, "shop"), base, work, Options(max_calls=2, max_bytes=10_000)
    )
    recorded = small.record(["tests"], functions_in(base, ["src/shop/core.py"]))
    dedupe = recorded["shop.core:dedupe"]
    assert len(dedupe.calls) == 2
    assert dedupe.counts["seen"] == 5 and dedupe.counts["over"] == 3
    cart = recorded["shop.core:Cart.add"]
    assert len(cart.calls) == 2  # two carts' states: not duplicates


def test_duplicate_and_oversized_calls_are_counted(tmp_path: Path, client_python: str) -> None:
    root = tmp_path / "dup"
    (root / "src").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "src" / "dup.py").write_text("def size(xs):\n    return len(xs)\n")
    (root / "tests" / "test_dup.py").write_text(
        "from dup import size\n\n"
        "def test_size():\n"
        "    for _ in range(3):\n"
        "        assert size([1, 2]) == 2\n"
        "    assert size(list(range(100_000))) == 100_000\n"
    )
    found = Replayer(
        local_client(client_python, "dup"), root, tmp_path / "w", Options(max_bytes=100_000)
    ).record(["tests"], functions_in(root, ["src/dup.py"]))["dup:size"]
    assert len(found.calls) == 1
    assert (found.counts["duplicate"], found.counts["too_large"]) == (2, 1)


def test_a_changed_constant_replays_every_function_of_its_file(
    replayer: Replayer, base: Path
) -> None:
    # The candidate "optimizes" top and, on the way, changes a constant that with_tax reads.
    head = candidate(
        base, "return sorted(prices, reverse=True)[:n]", "return sorted(prices)[::-1][:n]"
    )
    core = head / "src" / "shop" / "core.py"
    core.write_text(core.read_text().replace("TAX = 0.25", "TAX = 0.2"))
    found = check(replayer, base, head)
    by_name = {t.target.split("::")[1]: t for t in found.targets}
    assert by_name["top"].required and not by_name["with_tax"].required
    assert by_name["with_tax"].calls_compared - by_name["with_tax"].calls_equal == 1
    assert found.examples[0].difference == "return: 5.0 became 4.8"

    # An added import or cache leaves the others alone: only the changed function is replayed.
    head = candidate(base, "def top(prices, n):", "import heapq\n\n\ndef top(prices, n):")
    fns, also = changed_between(base, head, ["src/shop/core.py"])
    assert (fns, also) == ([], [])


def test_cached_functions_are_recorded_and_replayed(replayer: Replayer, base: Path) -> None:
    assert len(replayer.recorded["shop.core:squares"].calls) == 1  # cache_info still works
    found = changed(
        replayer, base, "return [i * i for i in range(n)]", "return [i * i for i in range(1, n)]"
    )
    assert recorded_mismatches(found) == 1
    assert found.examples[0].difference == "return[0]: 0 became 1"


def test_calls_that_time_out_on_the_baseline_are_skipped(
    tmp_path: Path, client_python: str
) -> None:
    root = tmp_path / "slow"
    (root / "src").mkdir(parents=True)
    (root / "tests").mkdir()
    loop = "def count_down(n: int) -> int:\n    while n != 0:\n        n -= 1\n    return 0\n"
    (root / "src" / "slow.py").write_text(loop)
    (root / "tests" / "test_slow.py").write_text(
        "from slow import count_down\n\ndef test_it():\n    assert count_down(3) == 0\n"
    )
    options = Options(examples=6, call_timeout=0.2, generate_seconds=5)
    replayer = Replayer(local_client(client_python, "slow"), root, tmp_path / "w", options)
    replayer.record(["tests"], functions_in(root, ["src/slow.py"]))
    head = tmp_path / "head"
    shutil.copytree(root, head)
    (head / "src" / "slow.py").write_text(loop.replace("n != 0", "n > 0"))
    fns, _ = changed_between(root, head, ["src/slow.py"])
    found = replayer.check(head, fns, "head")
    # negative inputs never return on the baseline: they are skipped, not held against the change
    assert found.skipped.get("baseline_timeout", 0) >= 1
    assert found.mismatches == 0 and found.calls_equal == 1
    skipped = (tmp_path / "w" / "timed-out.txt").read_text().split()
    assert len(skipped) == found.skipped["baseline_timeout"]
    lines = (tmp_path / "w" / "replay-head-1.jsonl").read_text()
    assert lines.count('"outcome": "skipped"') == len(skipped)


def test_arguments_too_big_to_keep_are_compared_by_their_digest() -> None:
    """Arguments after the call over the recorder's JSON bound are kept as a digest: equal
    digests are the same arguments, different ones a mutation; never a crash."""

    def big(sha: str) -> dict[str, object]:
        return {"$": "digest", "type": "tuple", "sha256": sha, "size": 2_000_000}

    tol = Tolerance()
    assert _after(big("a" * 64), big("a" * 64), tol) is None
    assert "args and kwargs" in str(_after(big("a" * 64), big("b" * 64), tol))
