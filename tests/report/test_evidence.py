"""The evidence per function (``correctness.md.j2``, in ``report.md`` and ``compare``'s report):
where the generated inputs came from, and the input shapes covered."""

from __future__ import annotations

from ciopt.report import render_text
from ciopt.verdict import Correctness, Differential, TargetEvidence, TestCounts
from tests.helpers.markdown import render


def report(*targets: TargetEvidence) -> str:
    differential = Differential(targets=list(targets))
    correctness = Correctness(tests=TestCounts(passed=3), differential=differential)
    return render_text("correctness.md.j2", c=correctness)


def rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| `")]


def table(text: str) -> str:
    return text[text.index("| function |") :]


def test_inputs_from_hints_or_recorded_shapes_and_the_shapes_covered() -> None:
    hinted = TargetEvidence(
        target="m.py::tokenize",
        calls_equal=5,
        calls_compared=5,
        generated_equal=40,
        generated_compared=40,
        generated_from="hints",
        input_shapes=7,
    )
    shaped = TargetEvidence(
        target="m.py::dedupe",
        calls_equal=5,
        calls_compared=5,
        generated_equal=30,
        generated_compared=30,
        generated_from="shapes",
        generated_note="calls holding m.Order are varied from 2 recorded call(s)",
        input_shapes=2,
        input_shape_names=["(list[int | str]:several)", "(list:empty)"],
    )
    none = TargetEvidence(
        target="m.py::put",
        calls_equal=1,
        calls_compared=1,
        generated_note="a method needs an instance",
        input_shapes=1,
        input_shape_names=["(m.Shelf, str)"],
    )
    text = report(hinted, shaped, none)
    assert "| function | recorded calls equal | generated inputs equal | input shapes |" in text
    assert rows(text) == [
        "| `tokenize` | 5 / 5 | 40 / 40 from type hints | 7 | 0 | |",
        "| `dedupe` | 5 / 5 | 30 / 30 from recorded shapes (calls holding m.Order are varied "
        "from 2 recorded call(s)) | 2: `(list[int \\| str]:several)`, `(list:empty)` | 0 | |",
        "| `put` | 1 / 1 | – (a method needs an instance) | 1: `(m.Shelf, str)` | 0 | |",
    ]
    html = render(table(text))
    assert html.count("<tr>") == 4  # the header and three rows: no pipe broke a cell
    assert "<code>(list[int | str]:several)</code>" in html
