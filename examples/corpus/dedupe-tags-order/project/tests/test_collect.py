from __future__ import annotations

from cx_blogtags import all_tags


def test_collects_each_tag_once() -> None:
    posts = [["python", "web"], ["web", "css"], ["python"]]
    assert sorted(all_tags(posts)) == ["css", "python", "web"]


def test_single_post() -> None:
    assert all_tags([["solo"]]) == ["solo"]


def test_repeated_tag_in_one_post() -> None:
    assert all_tags([["a", "a", "a"]]) == ["a"]


def test_no_posts_or_no_tags() -> None:
    assert all_tags([]) == []
    assert all_tags([[], []]) == []
