from __future__ import annotations

import pytest

from ciopt.agent.edits import EditError, apply_edits
from ciopt.agent.replies import read_reply

SOURCE = (
    "def dedupe(items):\n    out = []\n    for x in items:\n        out.append(x)\n    return out\n"
)
FILES = {"src/textkit/tokens.py": SOURCE, "src/textkit/render.py": "def render():\n    pass\n"}
TARGETS = [("src/textkit/tokens.py", "dedupe")]


def block(path: str, search: str, replace: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n"


@pytest.mark.parametrize(
    "path",
    ["src/textkit/tokens.py", "tokens.py", "textkit/tokens.py", "path/to/tokens.py", "./tokens.py"],
)
def test_a_path_names_the_given_file_by_its_tail(path: str) -> None:
    _, (edit,) = read_reply(block(path, "    out = []\n", "    out = [0]\n"), TARGETS, FILES)
    assert edit.path == "src/textkit/tokens.py"


def test_a_placeholder_path_naming_no_given_file_is_refused() -> None:
    reply = block("path/to/tokenize.py", "    out = []\n", "    out = [0]\n")
    with pytest.raises(EditError, match=r"not a file you were given.*src/textkit/tokens\.py"):
        read_reply(reply, TARGETS, FILES)


def test_a_tail_naming_two_files_is_refused() -> None:
    files = {"a/m.py": SOURCE, "b/m.py": SOURCE}
    with pytest.raises(EditError, match=r"could be a/m\.py or b/m\.py"):
        read_reply(
            block("m.py", "    out = []\n", "    out = [0]\n"), [("a/m.py", "dedupe")], files
        )


def test_another_path_is_left_for_apply_to_judge() -> None:
    _, (edit,) = read_reply(block("src/other.py", "x\n", "y\n"), TARGETS, FILES)
    assert edit.path == "src/other.py"


@pytest.mark.parametrize(
    ("search", "replace", "needle"),
    [
        ("lines copied exactly from the current file, including indentation\n", "x\n", "SEARCH"),
        ("    out = []\n", "the lines that replace them\n", "REPLACE"),
    ],
)
def test_placeholder_sections_are_refused(search: str, replace: str, needle: str) -> None:
    reply = block("src/textkit/tokens.py", search, replace)
    with pytest.raises(EditError, match=f"its {needle} section is placeholder text"):
        read_reply(reply, TARGETS, FILES)


def test_edits_that_change_nothing_are_refused() -> None:
    reply = block("src/textkit/tokens.py", "def dedupe(items):\n", "def dedupe(items):\n")
    with pytest.raises(EditError, match="change nothing"):
        read_reply(reply, TARGETS, FILES)


def test_search_replace_wins_over_code_blocks_and_gives_the_rationale() -> None:
    reply = (
        "A list comprehension is faster.\n\n```python\ndef dedupe(items):\n    return 1\n```\n"
        + block("tokens.py", "    out = []\n", "    out = [0]\n")
    )
    rationale, (edit,) = read_reply(reply, TARGETS, FILES)
    assert rationale.startswith("A list comprehension is faster.")
    assert edit.search == "    out = []\n"


def test_an_indentation_shifted_search_applies_with_the_file_s_indentation() -> None:
    reply = block(
        "tokens.py", "out = []\nfor x in items:\n    out.append(x)\n", "out = list(items)\n"
    )
    _, edits = read_reply(reply, TARGETS, FILES)
    assert apply_edits(FILES, edits)["src/textkit/tokens.py"] == (
        "def dedupe(items):\n    out = list(items)\n    return out\n"
    )


def test_crlf_replies_read_like_lf_ones() -> None:
    reply = "Faster.\r\n\r\n```python\r\ndef dedupe(items):\r\n    return list(items)\r\n```\r\n"
    rationale, (edit,) = read_reply(reply, TARGETS, FILES)
    assert rationale == "Faster." and edit.replace == "def dedupe(items):\n    return list(items)\n"


def test_no_edit_names_what_is_expected() -> None:
    with pytest.raises(EditError, match="whole new definition of `dedupe`, and no <<<<<<< SEARCH"):
        read_reply("I would use a set.", TARGETS, FILES)


def test_the_rationale_is_bounded() -> None:
    reply = "x" * 5000 + "\n```python\ndef dedupe(items):\n    return list(items)\n```\n"
    rationale, _ = read_reply(reply, TARGETS, FILES)
    assert len(rationale) == 4000
