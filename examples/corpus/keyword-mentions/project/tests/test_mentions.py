from __future__ import annotations

from cx_mentions import count_mentions


def test_counts_lines_per_name() -> None:
    lines = ["hi Ann", "ann and bob", "Bob? BOB!", "nobody here"]
    assert count_mentions(lines, ["ann", "bob"]) == {"ann": 2, "bob": 2}


def test_whole_words_only() -> None:
    assert count_mentions(["annie", "bobby ann"], ["ann"]) == {"ann": 1}


def test_names_with_regex_characters() -> None:
    assert count_mentions(["ping c.j. now", "cxj"], ["c.j"]) == {"c.j": 1}


def test_no_lines_or_no_names() -> None:
    assert count_mentions([], ["ann"]) == {"ann": 0}
    assert count_mentions(["ann"], []) == {}
