from __future__ import annotations

from cx_anagrams import group_anagrams


def test_groups_anagrams_in_order() -> None:
    words = ["listen", "google", "silent", "enlist", "gogole", "cat"]
    assert group_anagrams(words) == [
        ["listen", "silent", "enlist"],
        ["google", "gogole"],
        ["cat"],
    ]


def test_letter_counts_matter() -> None:
    assert group_anagrams(["aab", "abb", "aba"]) == [["aab", "aba"], ["abb"]]


def test_duplicates_and_empty_word() -> None:
    assert group_anagrams(["", "ab", "", "ba", "ab"]) == [["", ""], ["ab", "ba", "ab"]]


def test_empty_list() -> None:
    assert group_anagrams([]) == []
