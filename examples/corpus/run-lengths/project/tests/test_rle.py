from __future__ import annotations

from cx_rle import run_lengths


def test_runs() -> None:
    assert run_lengths("aaabccdddd") == [("a", 3), ("b", 1), ("c", 2), ("d", 4)]


def test_same_character_in_separate_runs() -> None:
    assert run_lengths("aba") == [("a", 1), ("b", 1), ("a", 1)]


def test_single_and_empty() -> None:
    assert run_lengths("x") == [("x", 1)]
    assert run_lengths("") == []
