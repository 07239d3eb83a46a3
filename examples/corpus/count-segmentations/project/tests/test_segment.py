from __future__ import annotations

from cx_segment import count_segmentations

WORDS = {"pen", "pine", "apple", "pineapple", "applepen"}


def test_counts_all_splits() -> None:
    assert count_segmentations("pineapplepenapple", WORDS) == 3


def test_no_split() -> None:
    assert count_segmentations("applepie", WORDS) == 0


def test_empty_text_has_one_split() -> None:
    assert count_segmentations("", WORDS) == 1
    assert count_segmentations("", set()) == 1


def test_single_letters() -> None:
    assert count_segmentations("aaa", {"a", "aa"}) == 3
