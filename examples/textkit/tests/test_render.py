from __future__ import annotations

from textkit import render_table


def test_renders_aligned_columns() -> None:
    table = render_table([("apple", 3), ("kiwi", 12), ("fig", 100)])
    assert table == "apple    3\nkiwi    12\nfig    100\n"


def test_every_line_has_the_same_width() -> None:
    rows = [("a", 1), ("bbbbbb", 22222), ("ccc", 333)]
    lines = render_table(rows).splitlines()
    assert len(lines) == 3
    assert len({len(line) for line in lines}) == 1


def test_empty_rows_render_empty_string() -> None:
    assert render_table([]) == ""


def test_single_row() -> None:
    assert render_table([("total", 0)]) == "total  0\n"


def test_negative_counts() -> None:
    assert render_table([("gain", 5), ("loss", -12)]) == "gain    5\nloss  -12\n"
