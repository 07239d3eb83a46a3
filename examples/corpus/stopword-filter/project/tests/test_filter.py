from __future__ import annotations

from cx_stopwords import content_words


def test_drops_stop_words_case_insensitively() -> None:
    tokens = ["The", "cat", "sat", "on", "THE", "mat"]
    assert content_words(tokens) == ["cat", "sat", "mat"]


def test_custom_stop_words() -> None:
    assert content_words(["x", "y", "z"], "y  z") == ["x"]


def test_keeps_repeats_and_order() -> None:
    assert content_words(["b", "a", "b"], "a") == ["b", "b"]


def test_empty() -> None:
    assert content_words([]) == []
    assert content_words(["a"], "") == ["a"]
