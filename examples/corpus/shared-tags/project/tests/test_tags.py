from __future__ import annotations

from cx_tagging import allowed_tags


def test_keeps_only_allowed_tags_in_order() -> None:
    assert allowed_tags(["rust", "python", "go"], ["go", "python"]) == ["python", "go"]


def test_compares_lowercased_tags() -> None:
    assert allowed_tags(["Python", "GO"], ["python", "go"]) == ["Python", "GO"]


def test_keeps_repeats() -> None:
    assert allowed_tags(["a", "b", "a"], ["a"]) == ["a", "a"]


def test_empty_inputs() -> None:
    assert allowed_tags([], ["a"]) == []
    assert allowed_tags(["a"], []) == []
