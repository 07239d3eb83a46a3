from __future__ import annotations

from cx_directory import search_names


def test_case_insensitive_substring() -> None:
    names = ["Ann Smith", "Bob Stone", "Annabel Lee"]
    assert search_names(names, "ANN") == ["Ann Smith", "Annabel Lee"]


def test_unicode_folding() -> None:
    assert search_names(["STRASSE 1", "Weg"], "straße") == ["STRASSE 1"]
    assert search_names(["ﬁona"], "fi") == ["ﬁona"]


def test_spaces_are_collapsed() -> None:
    assert search_names(["Ann  Smith", "Ann Lee"], " ann smith ") == ["Ann  Smith"]


def test_empty_query_matches_all() -> None:
    assert search_names(["a", "b"], "") == ["a", "b"]


def test_no_names() -> None:
    assert search_names([], "x") == []
