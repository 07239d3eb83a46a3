from __future__ import annotations

from cx_activity import newest_first


def test_newest_entry_first() -> None:
    entries = [("09:00", "opened"), ("09:05", "commented"), ("10:00", "closed")]
    assert newest_first(entries) == "10:00  closed\n09:05  commented\n09:00  opened\n"


def test_single_entry() -> None:
    assert newest_first([("t", "m")]) == "t  m\n"


def test_empty_messages_and_equal_stamps() -> None:
    assert newest_first([("t1", ""), ("t1", "x")]) == "t1  x\nt1  \n"


def test_empty_feed() -> None:
    assert newest_first([]) == ""
