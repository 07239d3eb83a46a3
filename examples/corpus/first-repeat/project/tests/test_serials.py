from __future__ import annotations

from cx_serials import first_repeat


def test_index_of_the_first_repeat() -> None:
    assert first_repeat(["a1", "b2", "c3", "b2", "a1"]) == 3


def test_adjacent_repeat() -> None:
    assert first_repeat(["x", "x"]) == 1


def test_all_distinct() -> None:
    assert first_repeat(["a", "b", "c"]) == -1


def test_empty_and_single() -> None:
    assert first_repeat([]) == -1
    assert first_repeat(["only"]) == -1
