from __future__ import annotations

import pytest

from cx_scores import rescale


def test_maps_onto_unit_interval() -> None:
    assert rescale([2.0, 4.0, 3.0]) == [0.0, 1.0, 0.5]


def test_negative_scores() -> None:
    assert rescale([-1.0, 1.0]) == [0.0, 1.0]


def test_empty() -> None:
    assert rescale([]) == []


def test_all_equal_scores_cannot_be_rescaled() -> None:
    with pytest.raises(ZeroDivisionError):
        rescale([3.0, 3.0])
