from __future__ import annotations

from cx_httplog import status_histogram


def test_counts_in_first_seen_order() -> None:
    codes = [200, 404, 200, 500, 200, 404]
    assert status_histogram(codes) == [(200, 3), (404, 2), (500, 1)]


def test_single_code() -> None:
    assert status_histogram([301]) == [(301, 1)]


def test_all_distinct_and_all_equal() -> None:
    assert status_histogram([500, 404, 200]) == [(500, 1), (404, 1), (200, 1)]
    assert status_histogram([200, 200, 200, 200]) == [(200, 4)]


def test_empty() -> None:
    assert status_histogram([]) == []
