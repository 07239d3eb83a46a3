from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciopt.templating import code, codeblock, environment, mention
from tests.helpers.markdown import MARKS, PLANTED, code_texts, loose, render

HOSTILE = [
    PLANTED,
    "@org/team",
    "![img](http://x.test/i.png)",
    "</details><script>alert(1)</script>",
    "`@org/team`",
    "``` @org/team ```",
    "a ` b `` c ``` d",
    "`",
    "ends with a backtick `",
    "line one\n</details>\n\n@org/team\n```\n# heading",
    "tab\tand\rcarriage\u2028separator\u200bzero-width\x00nul",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_code_shows_any_text_as_one_inert_span(text: str) -> None:
    shown = f"Error: {code(text)} (end)"
    assert "\n" not in shown
    assert loose(shown) == []
    assert render(shown).count("<p>") == 1  # nothing started a block of its own
    [inside] = code_texts(shown)
    # control characters read as spaces, invisible ones go
    assert inside == " ".join(text.replace("\u200b", "").replace("\x00", " ").split())


def test_code_of_nothing_is_nothing() -> None:
    assert code("") == code(None) == code(" \n ") == ""


def test_code_is_cut_at_its_limit() -> None:
    shown = code("x" * 1000, 20)
    assert shown == "`" + "x" * 19 + "…`"
    assert len(code("y" * 5000)) == 1002  # CODE_LIMIT and the fence


@pytest.mark.parametrize("text", ["a | b", "a \\| b", "a \\\\| b `|` ``|``", PLANTED])
def test_code_in_a_table_cell_keeps_the_row(text: str) -> None:
    table = f"| what | n |\n|---|---|\n| {code(text, table=True)} | 7 |\n"
    rendered = render(table)
    assert rendered.count("<td>") == 2 and "<td>7</td>" in rendered
    assert loose(table) == []
    [inside] = code_texts(table)
    assert inside == " ".join(text.replace("\\|", "|").replace("\\|", "|").split())


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=80))
def test_nothing_escapes_a_code_span(text: str) -> None:
    shown = f"a {code(text)} b"
    rendered = render(shown)
    if code(text):
        assert re.fullmatch(r"<p>a <code>[^<]*</code> b</p>\n", rendered), rendered
    else:
        assert rendered == "<p>a  b</p>\n"


def test_codeblock_cannot_be_closed_from_inside() -> None:
    patch = (
        "--- a/x.py\n+++ b/x.py\n+```\n```\n</details>\n\n@org/team ![x](https://evil.test/x)\n````"
    )
    shown = f"<details><summary>patch</summary>\n\n{codeblock(patch, 'diff')}\n</details>\n"
    assert loose(shown, tuple(m for m in MARKS if m != "</details>")) == []
    assert render(shown).count("</details>") == 1  # the template's own
    assert code_texts(shown) == [patch + "\n"]
    assert codeblock("x", "diff; rm -rf /").startswith("```diffrm-rf\n")


@pytest.mark.parametrize(
    ("login", "shown"),
    [
        ("alice", "@alice"),
        ("github-actions[bot]", "@github-actions[bot]"),
        ("project_12_bot_3f2a", "@project_12_bot_3f2a"),
        ("jane.doe", "@jane.doe"),
        ("org/team", "`org/team`"),
        ("a b", "`a b`"),
        ("x](https://evil.test)", "`x](https://evil.test)`"),
    ],
)
def test_mention_is_only_for_a_forge_login(login: str, shown: str) -> None:
    assert mention(login) == shown


def test_every_environment_has_the_filters() -> None:
    env = environment("ciopt.report")
    template = env.from_string("{{ x | code }} {{ x | code(table=True) }} {{ who | mention }}")
    assert template.render(x="a|b", who="bob") == "`a|b` `a\\|b` @bob"
