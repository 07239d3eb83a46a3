from __future__ import annotations

from cx_pages import collect_ids


def test_concatenates_pages_in_order() -> None:
    assert collect_ids([[3, 1], [2], [], [9, 9]]) == [3, 1, 2, 9, 9]


def test_result_is_a_new_list() -> None:
    page = [1, 2]
    result = collect_ids([page])
    result.append(3)
    assert page == [1, 2]


def test_single_page_and_empty_pages() -> None:
    assert collect_ids([[5]]) == [5]
    assert collect_ids([[], []]) == []


def test_no_pages() -> None:
    assert collect_ids([]) == []
