from __future__ import annotations

from cx_import import rows_complete

GOOD = {"id": "1", "name": "Ann", "email": "ann@x.io"}


def test_complete_rows() -> None:
    assert rows_complete([GOOD, dict(GOOD, id="2")]) is True


def test_missing_or_empty_value() -> None:
    assert rows_complete([GOOD, {"id": "2", "name": "Bob"}]) is False
    assert rows_complete([dict(GOOD, email="")]) is False


def test_custom_columns() -> None:
    assert rows_complete([{"sku": "A"}], ("sku",)) is True
    assert rows_complete([GOOD], ()) is True


def test_no_rows() -> None:
    assert rows_complete([]) is True
