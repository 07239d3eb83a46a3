from __future__ import annotations

from cx_mailing import unique_emails


def test_normalises_case_and_whitespace() -> None:
    assert unique_emails(["  Ann@Example.org ", "bob@example.org"]) == [
        "ann@example.org",
        "bob@example.org",
    ]


def test_keeps_first_seen_order_without_repeats() -> None:
    emails = ["c@x.io", "a@x.io", "C@X.io", "b@x.io", "a@x.io"]
    assert unique_emails(emails) == ["c@x.io", "a@x.io", "b@x.io"]


def test_skips_blank_entries() -> None:
    assert unique_emails(["", "   ", "d@x.io", "\t"]) == ["d@x.io"]


def test_empty_list() -> None:
    assert unique_emails([]) == []


def test_does_not_change_the_input() -> None:
    emails = [" A@x.io", "a@x.io"]
    unique_emails(emails)
    assert emails == [" A@x.io", "a@x.io"]
