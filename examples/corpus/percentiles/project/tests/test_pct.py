from __future__ import annotations

import pytest

from cx_latency import percentiles


def test_median_and_extremes() -> None:
    assert percentiles([3.0, 1.0, 2.0, 5.0, 4.0], [0, 50, 100]) == [1.0, 3.0, 5.0]


def test_nearest_rank() -> None:
    data = [float(n) for n in range(11)]
    assert percentiles(data, [90, 95, 99]) == [9.0, 10.0, 10.0]


def test_single_value() -> None:
    assert percentiles([7.5], [1, 99]) == [7.5, 7.5]


def test_no_points() -> None:
    assert percentiles([1.0, 2.0], []) == []


def test_no_latencies() -> None:
    with pytest.raises(IndexError):
        percentiles([], [50])
