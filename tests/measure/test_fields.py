"""A comparison as the fields of verdict.json, and the sentence that describes it."""

from __future__ import annotations

from ciopt.measure import describe, measurement_fields
from tests.helpers.comparisons import comparison


def test_wall_time_fields_carry_medians_looks_and_the_timer() -> None:
    fields = measurement_fields(comparison("faster", 0.5), calibration="cal.json")
    assert fields["ratio"] == 0.5 and fields["warnings"] == ["busy machine"]
    (bench,) = fields["benchmarks"]
    assert (bench.base_median_s, bench.head_median_s, bench.base_instructions) == (2.0, 1.0, None)
    measurement = fields["measurement"]
    assert measurement.timer == "time.process_time (CPU time)"
    assert measurement.looks[0].rounds == 20 and measurement.calibration == "cal.json"
    sequential = measurement_fields(comparison("faster", 0.5, pairing="sequential"))
    assert sequential["measurement"].timer == "time.perf_counter (wall)"


def test_instruction_fields_hold_counts_not_seconds() -> None:
    fields = measurement_fields(
        comparison("faster", 0.5, pairing="instructions"), measure="instructions"
    )
    (bench,) = fields["benchmarks"]
    assert (bench.base_median_s, bench.base_instructions, bench.head_instructions) == (
        None,
        2.0,
        1.0,
    )
    assert fields["measurement"].measure == "instructions"
    assert fields["measurement"].pairing is None


def test_the_sentence_says_what_the_interval_shows() -> None:
    assert describe(comparison("faster", 0.5)) == (
        "ratio 0.5 (0.475–0.525): faster beyond doubt at this confidence"
    )
    assert describe(comparison("inconclusive", 0.99)).endswith(
        "; it could have seen a speedup of 3.0% or more"
    )
    cut = describe(comparison("inconclusive", 0.99, stopped_by="bench_seconds"))
    assert cut.endswith("; rounds cut short by the bench_seconds budget")
    counted = describe(comparison("faster", 0.8, pairing="instructions"))
    assert counted == (
        "head/base instructions per call 0.80000: 20.0% fewer, beyond the ±2% minimum effect"
    )
