from __future__ import annotations

from cx_pairs import find_pairs


def test_finds_index_pairs_in_order() -> None:
    assert find_pairs([1, 4, 3, 2, 3], 5) == [(0, 1), (2, 3), (3, 4)]


def test_repeated_values() -> None:
    assert find_pairs([2, 2, 2], 4) == [(0, 1), (0, 2), (1, 2)]


def test_an_element_does_not_pair_with_itself() -> None:
    assert find_pairs([5], 10) == []


def test_negative_amounts() -> None:
    assert find_pairs([-3, 7, 3, 0], 0) == [(0, 2)]


def test_empty() -> None:
    assert find_pairs([], 0) == []
