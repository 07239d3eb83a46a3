from __future__ import annotations

from textkit import count_keywords


def test_counts_whole_words_case_insensitively() -> None:
    lines = ["Error: disk full", "error again", "No ERRORS here"]
    assert count_keywords(lines, ["error", "disk"]) == {"error": 2, "disk": 1}


def test_counts_multiple_hits_on_one_line() -> None:
    assert count_keywords(["the cat saw the other cat"], ["cat", "the"]) == {
        "cat": 2,
        "the": 2,
    }


def test_keywords_not_found_count_zero() -> None:
    assert count_keywords(["nothing to see"], ["warning"]) == {"warning": 0}


def test_keyword_order_is_preserved() -> None:
    result = count_keywords(["b a c"], ["c", "a", "b"])
    assert list(result) == ["c", "a", "b"]


def test_regex_metacharacters_are_literal() -> None:
    lines = ["version 1.0 and 1x0", "a+b or ab"]
    assert count_keywords(lines, ["1.0", "a+b"]) == {"1.0": 1, "a+b": 1}


def test_no_lines_or_no_keywords() -> None:
    assert count_keywords([], ["x"]) == {"x": 0}
    assert count_keywords(["some text"], []) == {}


def test_accepts_a_generator_of_lines() -> None:
    lines = (f"line {i} ok" for i in range(3))
    assert count_keywords(lines, ["ok", "line"]) == {"ok": 3, "line": 3}
