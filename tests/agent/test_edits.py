from __future__ import annotations

import pytest

from ciopt.agent.edits import Edit, EditError, apply_edits, parse_edits


def block(path: str, search: str, replace: str) -> str:
    return f"{path}\n<<<<<<< SEARCH\n{search}=======\n{replace}>>>>>>> REPLACE\n"


# --- parse ------------------------------------------------------------------------------------


def test_parse_one_block() -> None:
    text = "The loop is quadratic.\n\n" + block("src/a.py", "x = 1\ny = 2\n", "x = 3\n")
    assert parse_edits(text) == [Edit(path="src/a.py", search="x = 1\ny = 2\n", replace="x = 3\n")]


def test_parse_several_blocks() -> None:
    text = (
        "Two changes.\n"
        + block("src/a.py", "a = 1\n", "a = 2\n")
        + "\nand then\n\n"
        + block("src/b.py", "b = 1\n", "b = 2\n")
        + block("src/a.py", "c = 1\n", "c = 2\n")
    )
    edits = parse_edits(text)
    assert [(e.path, e.search, e.replace) for e in edits] == [
        ("src/a.py", "a = 1\n", "a = 2\n"),
        ("src/b.py", "b = 1\n", "b = 2\n"),
        ("src/a.py", "c = 1\n", "c = 2\n"),
    ]


def test_parse_keeps_indentation() -> None:
    edits = parse_edits(block("m.py", "    if x:\n        y()\n", "    y()\n"))
    assert edits[0].search == "    if x:\n        y()\n"
    assert edits[0].replace == "    y()\n"


@pytest.mark.parametrize(
    "path_line",
    ["`src/a.py`", "**src/a.py**", "src/a.py:", "`src/a.py`:", "**`src/a.py`**", "### src/a.py"],
)
def test_parse_decorated_path_line(path_line: str) -> None:
    (edit,) = parse_edits(block(path_line, "x = 1\n", "x = 2\n"))
    assert edit.path == "src/a.py"


def test_parse_block_inside_plain_fence() -> None:
    text = "src/a.py\n```\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```\n"
    assert parse_edits(text) == [Edit(path="src/a.py", search="x = 1\n", replace="x = 2\n")]


def test_parse_path_inside_fence() -> None:
    text = "```\nsrc/a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```\n"
    assert parse_edits(text)[0].path == "src/a.py"


def test_parse_block_inside_language_fence() -> None:
    text = "src/a.py\n```python\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n```\n"
    assert parse_edits(text)[0].path == "src/a.py"


def test_parse_missing_divider() -> None:
    text = "src/a.py\n<<<<<<< SEARCH\nx = 1\n>>>>>>> REPLACE\n"
    with pytest.raises(EditError, match="======="):
        parse_edits(text)


def test_parse_missing_replace_marker() -> None:
    text = "src/a.py\n<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n"
    with pytest.raises(EditError, match="REPLACE"):
        parse_edits(text)


def test_parse_second_block_malformed_is_numbered() -> None:
    text = block("a.py", "x\n", "y\n") + "b.py\n<<<<<<< SEARCH\nz\n"
    with pytest.raises(EditError, match="block 2"):
        parse_edits(text)


@pytest.mark.parametrize("text", ["", "I could not find anything to speed up.", "```\nx = 1\n```"])
def test_parse_no_blocks(text: str) -> None:
    with pytest.raises(EditError, match="no edit"):
        parse_edits(text)


@pytest.mark.parametrize("before", ["", "Here is the change to make:\n", "\n\n"])
def test_parse_no_path(before: str) -> None:
    text = before + "<<<<<<< SEARCH\nx = 1\n=======\nx = 2\n>>>>>>> REPLACE\n"
    with pytest.raises(EditError, match="no file path"):
        parse_edits(text)


# --- apply ------------------------------------------------------------------------------------

FILE = "def f(xs):\n    out = []\n    for x in xs:\n        out.append(x)\n    return out\n"


def test_apply_exact_single_match() -> None:
    edit = Edit(path="m.py", search="    out = []\n    for x in xs:\n        out.append(x)\n",
                replace="    out = list(xs)\n")  # fmt: skip
    assert apply_edits({"m.py": FILE}, [edit]) == {
        "m.py": "def f(xs):\n    out = list(xs)\n    return out\n"
    }


def test_apply_parsed_edit() -> None:
    edits = parse_edits(block("m.py", "    return out\n", "    return tuple(out)\n"))
    assert apply_edits({"m.py": FILE}, edits)["m.py"] == FILE.replace(
        "return out", "return tuple(out)"
    )


def test_apply_tolerates_trailing_whitespace_in_search() -> None:
    edit = Edit(
        path="m.py",
        search="    out = []   \n    for x in xs:\t\n",
        replace="    out = [0]\n    for x in xs:",
    )
    assert apply_edits({"m.py": FILE}, [edit])["m.py"] == FILE.replace("out = []", "out = [0]")


def test_apply_tolerates_trailing_whitespace_in_file() -> None:
    text = "a = 1   \nb = 2\n"
    edit = Edit(path="m.py", search="a = 1\nb = 2\n", replace="a = 3\nb = 4")
    assert apply_edits({"m.py": text}, [edit]) == {"m.py": "a = 3\nb = 4\n"}


def test_apply_tolerant_match_of_parsed_edit_adds_no_blank_line() -> None:
    edits = parse_edits(block("m.py", "    out = []  \n", "    out = [0]\n"))
    assert apply_edits({"m.py": FILE}, edits)["m.py"] == FILE.replace("out = []", "out = [0]")


@pytest.mark.parametrize(
    ("search", "replace"),
    [
        ("        out = []\n", "        out = [0]\n"),  # more indented than the file
        (
            "out = []\nfor x in xs:\n    out.append(x)\n",
            "out = [0]\nfor x in xs:\n    out.append(x)\n",
        ),
        ("\tout = []\n\tfor x in xs:\n", "\tout = [0]\n\tfor x in xs:\n"),  # tabs for spaces
    ],
)
def test_apply_shifted_search_keeps_the_file_s_indentation(search: str, replace: str) -> None:
    edit = Edit(path="m.py", search=search, replace=replace)
    assert apply_edits({"m.py": FILE}, [edit])["m.py"] == FILE.replace("out = []", "out = [0]")


def test_apply_shifted_replace_moves_its_lines_alike() -> None:
    search = "for x in xs:\n    out.append(x)\n"
    replace = "out.extend(xs)\nif not out:\n    pass\n  # odd\n"
    result = apply_edits({"m.py": FILE}, [Edit(path="m.py", search=search, replace=replace)])
    assert result["m.py"] == (
        "def f(xs):\n    out = []\n    out.extend(xs)\n    if not out:\n        pass\n"
        "      # odd\n    return out\n"
    )


@pytest.mark.parametrize(
    "search",
    [
        "    out = []\n  for x in xs:\n",  # second line differs in indentation
        "out = []\n    for x in xs:\n",  # shifted, but not all lines by the same amount
    ],
)
def test_apply_does_not_tolerate_uneven_indentation_differences(search: str) -> None:
    edit = Edit(path="m.py", search=search, replace="pass\n")
    with pytest.raises(EditError, match="does not match"):
        apply_edits({"m.py": FILE}, [edit])


def test_apply_shifted_search_matching_twice_is_ambiguous() -> None:
    text = "def f():\n    x = 1\n\n\ndef g():\n        x = 1\n"
    with pytest.raises(EditError, match="2 times"):
        apply_edits({"m.py": text}, [Edit(path="m.py", search="x = 1\n", replace="x = 2\n")])


def test_no_match_hint_shows_the_line_with_its_indentation_and_number() -> None:
    edit = Edit(path="m.py", search="    out = []\n    for x in ys:\n", replace="x\n")
    with pytest.raises(EditError) as caught:
        apply_edits({"m.py": FILE}, [edit])
    message = str(caught.value)
    assert "its line '    for x in ys:' is not in the file" in message
    assert "nearest line: '    for x in xs:' (line 3)" in message


def test_no_match_hint_when_every_line_is_there_but_not_together() -> None:
    edit = Edit(path="m.py", search="    return out\n    out = []\n", replace="x\n")
    with pytest.raises(EditError) as caught:
        apply_edits({"m.py": FILE}, [edit])
    assert "not one after another" in str(caught.value)
    assert "line 5: '    return out'" in str(caught.value)


def test_apply_does_not_match_in_the_middle_of_a_line() -> None:
    edit = Edit(path="m.py", search="total = 0\n", replace="total = 1\n")
    with pytest.raises(EditError):
        apply_edits({"m.py": "subtotal = 0\n"}, [edit])


def test_apply_ambiguous_match() -> None:
    text = "x = 1\ny = 2\nx = 1\n"
    edit = Edit(path="m.py", search="x = 1\n", replace="x = 3\n")
    with pytest.raises(EditError, match="2 times"):
        apply_edits({"m.py": text}, [edit])


def test_apply_no_match() -> None:
    edit = Edit(path="m.py", search="    return sorted(out)\n", replace="x\n")
    with pytest.raises(EditError, match=r"does not match m\.py") as caught:
        apply_edits({"m.py": FILE}, [edit])
    assert "return out" in str(caught.value)  # the nearest line helps the model


def test_apply_empty_search() -> None:
    edit = Edit(path="m.py", search="  \n", replace="x = 1\n")
    with pytest.raises(EditError, match="empty SEARCH"):
        apply_edits({"m.py": FILE}, [edit])


def test_apply_file_not_given() -> None:
    edit = Edit(path="other.py", search="x\n", replace="y\n")
    with pytest.raises(EditError, match=r"other\.py"):
        apply_edits({"m.py": FILE}, [edit])


def test_apply_several_edits_to_one_file_in_order() -> None:
    edits = [
        Edit(path="m.py", search="    out = []\n", replace="    acc = []\n"),
        # only matches once the first edit has been applied
        Edit(path="m.py", search="    acc = []\n    for", replace="    acc = [None]\n    for"),
        Edit(path="m.py", search="    return out\n", replace="    return acc\n"),
    ]
    result = apply_edits({"m.py": FILE}, edits)["m.py"]
    assert result == (
        "def f(xs):\n    acc = [None]\n    for x in xs:\n        out.append(x)\n    return acc\n"
    )


def test_apply_leaves_unchanged_files_out() -> None:
    files = {"a.py": "a = 1\n", "b.py": "b = 1\n", "c.py": "c = 1\n"}
    edits = [
        Edit(path="a.py", search="a = 1\n", replace="a = 2\n"),
        Edit(path="c.py", search="c = 1\n", replace="c = 1\n"),  # no net change
    ]
    assert apply_edits(files, edits) == {"a.py": "a = 2\n"}
    assert files == {"a.py": "a = 1\n", "b.py": "b = 1\n", "c.py": "c = 1\n"}


def test_apply_edit_then_revert_is_left_out() -> None:
    edits = [
        Edit(path="a.py", search="a = 1\n", replace="a = 2\n"),
        Edit(path="a.py", search="a = 2\n", replace="a = 1\n"),
    ]
    assert apply_edits({"a.py": "a = 1\n"}, edits) == {}


def test_apply_deletes_lines_with_empty_replace() -> None:
    (edit,) = parse_edits(block("m.py", "    out = []\n", ""))
    assert edit.replace == ""
    result = apply_edits({"m.py": FILE}, [edit])["m.py"]
    assert result == "def f(xs):\n    for x in xs:\n        out.append(x)\n    return out\n"


def test_apply_deletes_lines_on_tolerant_path() -> None:
    edit = Edit(path="m.py", search="b = 2  \n", replace="")
    assert apply_edits({"m.py": "a = 1\nb = 2\nc = 3\n"}, [edit]) == {"m.py": "a = 1\nc = 3\n"}
