"""Markdown as a forge shows it, to check what ciopt's comments and reports would show.

``render`` is CommonMark with GFM tables and raw HTML passed through (markdown-it-py, in ciopt's
lock). ``loose`` lists what of ``PLANTED`` (a stranger's mentions, images, links, HTML) escaped
code in a rendered text: a forge would show it as markup, or notify someone of it. ``tokens`` is
markdown-it's GFM-like parser (tables, strikethrough; linkify off: linkify-it-py is not in the
lock), and ``parse_xychart`` reads back, line by line, the Mermaid bar chart ciopt writes.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = [
    "MARKS",
    "PLANTED",
    "XYChart",
    "code_texts",
    "loose",
    "mermaid_blocks",
    "outside_code",
    "parse_xychart",
    "render",
    "tokens",
]

# What a read-only stranger writes into an issue or comment, hoping ciopt echoes it as markdown.
PLANTED = (
    "@org/team ![x](https://evil.test/x.png) [click](https://evil.test/login) "
    "https://evil.test/raw </details><script>alert(1)</script> <img src=https://evil.test/i.png> "
    "``` ` `` ``x`` |pipe| \\| \n\n# heading @octocat\n> quoted"
)
# Each of these, found outside code, is a mention, a link, an image or HTML of the stranger's.
MARKS = ("@org", "@octocat", "evil.test", "<script", "alert(", "<img", "</details>", "<h1")

_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
_GFM = MarkdownIt("gfm-like", {"linkify": False})
_CODE = re.compile(r"<pre><code[^>]*>.*?</code></pre>|<code>.*?</code>", re.DOTALL)


def render(markdown: str) -> str:
    return str(_MD.render(markdown))


def outside_code(markdown: str) -> str:
    """The rendered HTML with every code element (inline or block) cut out."""
    return _CODE.sub("", render(markdown))


def code_texts(markdown: str) -> list[str]:
    """The text of each code element, as a reader sees it."""
    return [
        html.unescape(re.sub(r"^<pre><code[^>]*>|^<code>|</code></pre>$|</code>$", "", m))
        for m in _CODE.findall(render(markdown))
    ]


def loose(markdown: str, marks: tuple[str, ...] = MARKS) -> list[str]:
    """The ``marks`` found outside code once ``markdown`` is rendered."""
    shown = outside_code(markdown)
    return [mark for mark in marks if mark in shown]


def tokens(markdown: str) -> list[Token]:
    """The block tokens of ``markdown`` as a GFM-like parser reads it."""
    return list(_GFM.parse(markdown))


def mermaid_blocks(markdown: str) -> list[str]:
    """The content of each fenced block whose info string is ``mermaid``."""
    return [t.content for t in tokens(markdown) if t.type == "fence" and t.info == "mermaid"]


_NUMBER = r"[+-]?(?:\d+(?:\.\d+)?|\.\d+)"  # Mermaid's, in an xychart: no exponent
_STRING = r'"([^"\n]*)"'


@dataclass(frozen=True)
class XYChart:
    config: dict[str, Any]  # the init directive's
    orientation: str
    title: str
    categories: list[str]
    axis: str
    top: float
    bars: list[float]


def parse_xychart(text: str) -> XYChart:
    """The bar chart ciopt writes, read strictly: each line must be the one expected, whole."""
    lines = text.splitlines()
    assert len(lines) == 6, lines
    init = re.fullmatch(r"%%\{init: (\{.*\})\}%%", lines[0])
    assert init, lines[0]
    head = re.fullmatch(r"xychart-beta(?: (horizontal|vertical))?", lines[1])
    title = re.fullmatch(rf"    title {_STRING}", lines[2])
    axis = re.fullmatch(rf"    x-axis \[({_STRING}(?:, {_STRING})*)\]", lines[3])
    y = re.fullmatch(rf"    y-axis {_STRING} 0 --> ({_NUMBER})", lines[4])
    bars = re.fullmatch(rf"    bar \[({_NUMBER}(?:, {_NUMBER})*)\]", lines[5])
    assert head and title and axis and y and bars, lines
    return XYChart(
        config=json.loads(init.group(1)),
        orientation=head.group(1) or "vertical",
        title=title.group(1),
        categories=re.findall(_STRING, axis.group(1)),
        axis=y.group(1),
        top=float(y.group(2)),
        bars=[float(v) for v in bars.group(1).split(", ")],
    )
