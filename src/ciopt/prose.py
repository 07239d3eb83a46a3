"""Where a comment's author speaks: the prose of a Markdown text, as a forge renders it.

A request counts only where its author wrote it as prose: not in a quoted reply (``> ...``), a
code block (fenced or indented) or inline code, nor in an HTML comment, which the forge hides.
``read_markdown`` reads a text by CommonMark's block rules and gives its prose lines (inline code
blanked) and the first ``ciopt`` fenced block; ``sanitize`` strips what a reader cannot see.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["HTML_COMMENT", "Read", "read_markdown", "sanitize"]

BLOCK_NAMES = ("ciopt", "optimize")  # the info word of a request's fenced block
FENCE = re.compile(r"(?P<fence>`{3,}|~{3,})(?P<info>.*)")  # opens a fenced block (indent < 4)
LIST_ITEM = re.compile(r" {0,3}(?:[-+*]|\d{1,9}[.)])(?:[ \t]+|$)")
HTML_BLOCKS = (  # CommonMark's HTML blocks of kind 6: their tags may interrupt a paragraph
    "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|"
    "dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|"
    "header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|"
    "param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul"
)
INTERRUPTS = re.compile(  # a line that may end a paragraph and begin a block of its own
    r" {0,3}(?:#{1,6}(?:[ \t]|$)|(?:\*[ \t]*){3,}$|(?:-[ \t]*){3,}$|(?:_[ \t]*){3,}$|=+[ \t]*$"
    r"|[-+*][ \t]+\S|1[.)][ \t]+\S|<(?:script|pre|style|textarea|!|\?|/?(?:"
    + HTML_BLOCKS
    + r")(?:[\s/>]|$)))",
    re.IGNORECASE,
)
HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)


@dataclass(frozen=True)
class Read:
    """A comment's markdown as far as a request goes: its prose and its ``ciopt`` block."""

    prose: list[tuple[str, str]]  # (the line with its inline code blanked, the line), sanitized
    block: list[str] | None  # the first ``ciopt`` (or ``optimize``) fenced block's lines, sanitized


def read_markdown(text: str) -> Read:
    """What of ``text`` its author wrote as prose, line by line, by CommonMark's block rules:
    quotes (``>`` lines, in a list item too, and the lines that go on a quoted paragraph), fenced
    blocks (closed by a fence as long, or by the end) and indented code (four columns, where no
    paragraph goes on) are not prose, and inline code in prose is blanked.

    The markdown is read as the forge reads it, before ``sanitize`` (a zero-width character can
    part two backticks, and NFKC makes a fullwidth grave accent one); but without HTML comments,
    which it hides.
    """
    text = HTML_COMMENT.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    prose: list[tuple[str, str]] = []
    paragraph: list[str] = []
    block: list[str] | None = None
    fence: tuple[str, bool] | None = None  # the open fence, and whether it is the ciopt block
    lazy = False  # a quoted paragraph goes on in the lines after it that start no block

    def end_paragraph() -> None:
        for blanked, line in zip(_blank_inline_code(paragraph), paragraph, strict=True):
            clean = [_clean(ch) for ch in line]  # each character as sanitize leaves it
            kept = zip(blanked, line, clean, strict=True)
            said = [c if b == ch else " " * len(c) for b, ch, c in kept]
            prose.append(("".join(said), "".join(clean)))
        paragraph.clear()

    for line in text.split("\n"):
        indent = len(line.expandtabs(4)) - len(line.expandtabs(4).lstrip(" "))
        if fence is not None:
            closing, collecting = fence
            bare = line.strip()
            if indent < 4 and bare.startswith(closing) and not bare.strip(closing[0]):
                fence = None
            elif collecting and block is not None:
                block.append(line)
            continue
        if not line.strip():
            end_paragraph()
            lazy = False
            continue
        if indent >= 4 and not paragraph:
            continue  # indented code (it cannot interrupt a paragraph)
        # a deeper line may be in a list item, where a quote or fence begins further right
        content = _content(line.lstrip())
        opened = FENCE.fullmatch(content)
        if opened and not (opened["fence"][0] == "`" and "`" in opened["info"]):
            end_paragraph()
            words = opened["info"].split()
            collecting = block is None and bool(words) and words[0].lower() in BLOCK_NAMES
            block = [] if collecting else block
            fence, lazy = (opened["fence"], collecting), False
        elif content.startswith(">"):
            end_paragraph()
            lazy = bool(content.lstrip("> \t"))
        elif not (lazy and not INTERRUPTS.match(line)):
            paragraph.append(line)
            lazy = False
    end_paragraph()
    return Read(prose=prose, block=None if block is None else [sanitize(b) for b in block])


def _clean(ch: str) -> str:
    """One character as ``sanitize`` leaves it (the same length blanked or not: words after the
    trigger are cut from the line where the blanked line shows it)."""
    return "".join(
        c
        for c in unicodedata.normalize("NFKC", ch)
        if c == "\t" or unicodedata.category(c) not in ("Cf", "Cc", "Co")
    )


def _content(line: str) -> str:
    """A line without its indentation and list item markers (``- ``, ``1. ``, nested)."""
    while marker := LIST_ITEM.match(line):
        line = line[marker.end() :]
    return line.strip()


def _blank_inline_code(lines: list[str]) -> list[str]:
    """A paragraph's lines with what may be inline code blanked: what is code when the lines are
    one paragraph, or when they are cut where a new block may begin (a heading, a list item...),
    as a forge may read either."""
    if not lines:
        return []
    whole = _blank_code_spans("\n".join(lines))
    starts = [i for i, line in enumerate(lines) if i == 0 or INTERRUPTS.match(line)]
    cut = "\n".join(
        _blank_code_spans("\n".join(lines[a:b]))
        for a, b in zip(starts, [*starts[1:], len(lines)], strict=True)
    )
    text = "\n".join(lines)
    union = "".join(c if c == w == k else " " for c, w, k in zip(text, whole, cut, strict=True))
    return union.split("\n")


def _blank_code_spans(text: str) -> str:
    """``text`` with its inline code spans blanked (newlines kept): a run of n backticks up to
    the next run of exactly n, CommonMark's rule; a backslash makes a backtick before a span
    literal, and a run with no partner is literal."""
    runs = [(m.start(), m.end() - m.start()) for m in re.finditer(r"`+", text)]
    by_length: dict[int, list[int]] = {}
    for index, (_, length) in enumerate(runs):
        by_length.setdefault(length, []).append(index)
    out = list(text)
    index = 0
    while index < len(runs):
        start, length = runs[index]
        slashes = 0
        while start - slashes > 0 and text[start - slashes - 1] == "\\":
            slashes += 1
        if slashes % 2:  # an escaped backtick: the span, if any, opens after it
            start, length = start + 1, length - 1
        partners = by_length.get(length, [])
        found = bisect.bisect_right(partners, index)
        if not length or found == len(partners):
            index += 1
            continue
        partner = partners[found]
        for at in range(start, runs[partner][0] + length):
            if out[at] != "\n":
                out[at] = " "
        index = partner + 1
    return "".join(out)


def sanitize(text: str) -> str:
    """Strip what a reader cannot see: HTML comments, invisible and control characters."""
    text = HTML_COMMENT.sub("", unicodedata.normalize("NFKC", text))
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cf", "Cc", "Co")
    )
