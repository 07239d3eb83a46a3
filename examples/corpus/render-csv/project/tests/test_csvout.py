from __future__ import annotations

from cx_export import to_csv


def test_plain_rows() -> None:
    assert to_csv([["a", "b"], ["1", "2"]]) == "a,b\n1,2\n"


def test_quotes_cells_that_need_it() -> None:
    assert to_csv([['say "hi"', "x,y", "line\nbreak"]]) == '"say ""hi""","x,y","line\nbreak"\n'


def test_empty_rows_and_cells() -> None:
    assert to_csv([[], [""], ["", ""]]) == "\n\n,\n"


def test_no_rows() -> None:
    assert to_csv([]) == ""
