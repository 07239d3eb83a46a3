from __future__ import annotations

from cx_wordfreq import word_counts


def test_counts_words() -> None:
    assert word_counts(["a", "b", "a", "c", "a"]) == {"a": 3, "b": 1, "c": 1}


def test_order_of_first_occurrence() -> None:
    assert list(word_counts(["z", "y", "z", "x"])) == ["z", "y", "x"]


def test_case_matters() -> None:
    assert word_counts(["Word", "word"]) == {"Word": 1, "word": 1}


def test_empty() -> None:
    assert word_counts([]) == {}
