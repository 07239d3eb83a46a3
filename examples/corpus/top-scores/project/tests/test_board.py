from __future__ import annotations

from cx_leaderboard import top_players


def test_best_first() -> None:
    scores = {"ann": 10, "bob": 30, "cid": 20}
    assert top_players(scores, 2) == [("bob", 30), ("cid", 20)]


def test_ties_keep_insertion_order() -> None:
    scores = {"ann": 5, "bob": 7, "cid": 5, "dan": 5}
    assert top_players(scores, 3) == [("bob", 7), ("ann", 5), ("cid", 5)]


def test_k_larger_than_field() -> None:
    assert top_players({"a": 1}, 10) == [("a", 1)]


def test_zero_and_empty() -> None:
    assert top_players({"a": 1}, 0) == []
    assert top_players({}, 3) == []
