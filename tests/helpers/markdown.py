"""Markdown as a forge shows it, to check what ciopt's comments and reports would show.

``render`` is CommonMark with GFM tables and raw HTML passed through (markdown-it-py, in ciopt's
lock). ``loose`` lists what of ``PLANTED`` (a stranger's mentions, images, links, HTML) escaped
code in a rendered text: a forge would show it as markup, or notify someone of it.
"""

from __future__ import annotations

import html
import re

from markdown_it import MarkdownIt

__all__ = ["MARKS", "PLANTED", "code_texts", "loose", "outside_code", "render"]

# What a read-only stranger writes into an issue or comment, hoping ciopt echoes it as markdown.
PLANTED = (
    "@org/team ![x](https://evil.test/x.png) [click](https://evil.test/login) "
    "https://evil.test/raw </details><script>alert(1)</script> <img src=https://evil.test/i.png> "
    "``` ` `` ``x`` |pipe| \\| \n\n# heading @octocat\n> quoted"
)
# Each of these, found outside code, is a mention, a link, an image or HTML of the stranger's.
MARKS = ("@org", "@octocat", "evil.test", "<script", "alert(", "<img", "</details>", "<h1")

_MD = MarkdownIt("commonmark", {"html": True}).enable("table")
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
