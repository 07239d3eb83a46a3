from __future__ import annotations

from cx_logscan import first_errors

LOG = ["INFO start", "ERROR disk full", "WARN slow", "FATAL crash", "ERROR again"]


def test_first_matches_in_order() -> None:
    assert first_errors(LOG, 2) == ["ERROR disk full", "FATAL crash"]


def test_limit_larger_than_matches() -> None:
    assert first_errors(LOG, 10) == ["ERROR disk full", "FATAL crash", "ERROR again"]


def test_whole_words_only() -> None:
    assert first_errors(["ERRORS: none", "xFATAL"], 5) == []


def test_zero_limit_and_empty_log() -> None:
    assert first_errors(LOG, 0) == []
    assert first_errors([], 3) == []
