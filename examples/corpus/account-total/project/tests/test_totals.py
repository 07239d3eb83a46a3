from __future__ import annotations

import pytest

from cx_ledger import total_for


def test_sums_only_the_given_accounts() -> None:
    entries = [("rent", 1200.0), ("food", 80.5), ("rent", 10.0), ("fun", 5.25)]
    assert total_for(entries, ["rent", "fun"]) == pytest.approx(1215.25)


def test_small_amounts() -> None:
    entries = [("a", 0.1), ("a", 0.2), ("b", 0.3)]
    assert total_for(entries, ["a"]) == pytest.approx(0.3)


def test_no_matching_account() -> None:
    assert total_for([("a", 1.0)], ["b"]) == 0.0


def test_empty_ledger() -> None:
    assert total_for([], ["a"]) == 0.0
