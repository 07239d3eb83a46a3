from __future__ import annotations

from textkit import dedupe, tokenize


def test_tokenize_lowercases_and_drops_punctuation() -> None:
    tokens = tokenize("Hello, World! Hello again.")
    assert tokens == ["hello", "world", "hello", "again"]


def test_tokenize_keeps_contractions_together() -> None:
    assert tokenize("Don't stop; it's fine") == ["don't", "stop", "it's", "fine"]


def test_tokenize_empty_and_blank_text() -> None:
    assert tokenize("") == []
    assert tokenize("  ...  ") == []


def test_tokenize_keeps_digits_and_underscores() -> None:
    assert tokenize("v2 release_notes 2024") == ["v2", "release_notes", "2024"]


def test_dedupe_preserves_first_occurrence_order() -> None:
    assert dedupe(["b", "a", "b", "c", "a"]) == ["b", "a", "c"]


def test_dedupe_preserves_order_of_integers() -> None:
    assert dedupe([3, 1, 3, 2, 1, 5, 4, 5]) == [3, 1, 2, 5, 4]


def test_dedupe_empty_list() -> None:
    assert dedupe([]) == []


def test_dedupe_keeps_first_of_equal_values_of_different_types() -> None:
    result = dedupe([1, 1.0, True])
    assert result == [1]
    assert type(result[0]) is int


def test_dedupe_without_duplicates_is_identity() -> None:
    words = ["one", "two", "three", "four"]
    assert dedupe(words) == words


def test_dedupe_accepts_any_iterable() -> None:
    assert dedupe(iter("mississippi")) == ["m", "i", "s", "p"]


def test_dedupe_returns_new_list() -> None:
    words = ["x", "y"]
    result = dedupe(words)
    assert result == words
    assert result is not words


def test_dedupe_of_tokenized_text() -> None:
    text = "the cat and the hat and the bat"
    assert dedupe(tokenize(text)) == ["the", "cat", "and", "hat", "bat"]
