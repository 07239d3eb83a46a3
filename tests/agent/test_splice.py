from __future__ import annotations

import pytest

from ciopt.agent.edits import EditError, apply_edits
from ciopt.agent.splice import Region, region_edits

TEXT = "import os\n\n\ndef f():\n    return 1\n\n\ndef g():\n    return 1\n"


def test_regions_become_edits_of_the_exact_old_text() -> None:
    regions = [Region(1, 1, ("import re",)), Region(8, 9, ("    return 2",))]
    edits = region_edits("m.py", TEXT, regions)
    assert [(e.search, e.replace) for e in edits] == [
        ("import os\n", "import os\nimport re\n"),
        ("def g():\n    return 1\n", "def g():\n    return 2\n"),  # widened until it is unique
    ]
    assert apply_edits({"m.py": TEXT}, edits)["m.py"] == (
        "import os\nimport re\n\n\ndef f():\n    return 1\n\n\ndef g():\n    return 2\n"
    )


def test_an_insertion_after_a_blank_line_anchors_on_the_next_line() -> None:
    (edit,) = region_edits("m.py", TEXT, [Region(3, 3, ("X = 1", "", ""))])
    assert (edit.search, edit.replace) == ("def f():\n", "X = 1\n\n\ndef f():\n")


def test_overlapping_widened_regions_are_one_edit() -> None:
    text = "a\nx\nx\nb\n"
    edits = region_edits("m.py", text, [Region(1, 2, ("y",)), Region(2, 3, ("z",))])
    assert apply_edits({"m.py": text}, edits)["m.py"] == "a\ny\nz\nb\n"


def test_no_change_and_overlap() -> None:
    assert region_edits("m.py", TEXT, [Region(4, 5, ("    return 1",))]) == []
    with pytest.raises(EditError, match="overlap"):
        region_edits("m.py", TEXT, [Region(3, 5, ()), Region(4, 6, ())])


def test_line_endings_of_the_file_are_kept() -> None:
    crlf = TEXT.replace("\n", "\r\n")
    edits = region_edits("m.py", crlf, [Region(4, 5, ("    return 3",))])
    assert apply_edits({"m.py": crlf}, edits)["m.py"] == crlf.replace(
        "f():\r\n    return 1", "f():\r\n    return 3"
    )
    bare = "def f():\n    return 1"
    (edit,) = region_edits("m.py", bare, [Region(0, 2, ("def f():", "    return 2"))])
    assert edit.replace == "def f():\n    return 2"
