"""Jira's wiki markup (what its REST API v2 takes and gives) and ciopt's Markdown, both ways.

ciopt renders its comments in Markdown, with hidden ``<!-- ciopt:... -->`` markers; Jira shows
wiki markup and has no hidden text. So:

- ``to_wiki``: a comment of ciopt's, as Jira shows it. Only the Markdown ciopt's templates write
  is converted (headings, bold, lists and task items, links, code spans and blocks, ``@login``
  mentions); everything else is text, escaped. A code span, where ciopt shows what others wrote,
  becomes monospace in which no character is markup: no link, mention, image or macro. Each
  marker becomes a footer line, ``ciopt-marker <base32>``: letters and digits that survive Jira
  Cloud's conversion to its document format and back.
- ``from_wiki``: a comment as ciopt reads it: its marker lines back as ``<!-- ... -->``.
- ``request_markdown``: an issue's description as the request parser reads Markdown: ``{code}``
  and ``{noformat}`` blocks as fenced blocks (``{code:ciopt}`` is the request's block),
  ``{quote}`` and ``bq.`` as quotes, ``{{...}}`` as inline code, escapes undone.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Mapping

__all__ = ["COMMENT_LIMIT", "from_wiki", "request_markdown", "to_wiki"]

COMMENT_LIMIT = 32767  # characters Jira keeps of a comment
KEEP = 32000
CUT_NOTE = "\n\n_... (cut: the full text is in the artifact)_"
SPECIAL = set("{}[]*_?-+^~|!#")  # characters that start markup somewhere in a line
MARKER = re.compile(r"<!--\s*(ciopt:.*?)\s*-->", re.DOTALL)
MARKER_LINE = "{{color:#97a0af}}ciopt-marker {}{{color}}"
MARKER_TOKEN = re.compile(r"(?:\{color(?::[^}]*)?\})?ciopt-marker ([a-z2-7]+)(?:\{color\})?")
FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)$")
HEADING = re.compile(r"(#{1,6})[ \t]+(.*?)[ \t#]*$")
ITEM = re.compile(r"( *)[-*+][ \t]+(?:\[([ xX])\][ \t]+)?(.*)$")
WIKI_ITEM = re.compile(r"\*+ ")
INLINE = re.compile(
    r"(?P<code>(?<!`)(?P<ticks>`+)(?!`)(?P<span>.+?)(?<!`)(?P=ticks)(?!`))"
    r"|(?P<bold>\*\*(?P<strong>.+?)\*\*)"
    r"|(?P<link>\[(?P<label>[^\]\n]+)\]\((?P<href>https?://[^\s)]+)\))"
    r"|(?P<url>https?://[^\s<>()\[\]{}|]+[^\s<>()\[\]{}|.,;:!?'\"])"
    r"|(?P<mention>(?<![\w@])@(?P<login>[A-Za-z0-9][A-Za-z0-9._:-]*(?:\[bot\])?))"
)
TAGS = re.compile(r"<[^>]*>")
DROP = "\x00"  # a line of nothing but HTML (``</details>``): left out
WIKI_BLOCK = re.compile(r"\{(code|noformat)(?::([^}]*))?\}(.*?)\{\1\}", re.DOTALL)
WIKI_QUOTE = re.compile(r"\{quote\}(.*?)\{quote\}", re.DOTALL)
WIKI_BQ = re.compile(r"^bq\.[ \t]?(.*)$", re.MULTILINE)
WIKI_MONO = re.compile(r"\{\{(.*?)\}\}")
WIKI_ESCAPE = re.compile(r"\\([{}\[\]*_?\-+^~|!#])")


# -- ciopt's comments, as Jira shows them --------------------------------------------------------


def to_wiki(markdown: str, mentions: Mapping[str, str] | None = None) -> str:
    """``markdown`` (a comment ciopt rendered) in Jira's wiki markup, its markers as a footer.

    ``mentions`` maps a login to its Jira mention (``[~accountid:...]``): ``@login`` of anyone
    else stays text.
    """
    markers: list[str] = []

    def keep(match: re.Match[str]) -> str:
        markers.append(match[1])
        return ""

    people = dict(mentions or {})
    out: list[str] = []
    fence: str | None = None
    for raw in MARKER.sub(keep, markdown).split("\n"):
        if fence is not None:
            if raw.strip() and raw.strip().startswith(fence) and not raw.strip().strip(fence[0]):
                fence = None
                out.append("{noformat}")
            else:
                out.append(raw.replace("{noformat}", "{ noformat}"))
            continue
        opened = FENCE.match(raw)
        if opened:
            fence = opened[1]
            out.append("{noformat}")
        else:
            out.append(_line(raw, people))
    if fence is not None:
        out.append("{noformat}")
    body = _tight_lists(out).strip("\n")
    footer = "\n".join(MARKER_LINE.format(_encode(m)) for m in markers)
    if len(body) + len(footer) + 2 > COMMENT_LIMIT:
        body = body[: KEEP - len(footer)]
        body = body[: body.rfind("\n") + 1 or len(body)] + CUT_NOTE
    return f"{body}\n\n{footer}" if footer else body


def _line(line: str, people: Mapping[str, str]) -> str:
    bare = line.strip()
    if bare == "</details>":
        return DROP
    summary = re.fullmatch(r"<details>\s*<summary>(.*)</summary>", bare)
    if summary:
        return "*" + _text(TAGS.sub("", summary[1])) + "*"
    heading = HEADING.fullmatch(line)
    if heading:
        return f"h{len(heading[1])}. {_inline(heading[2], people)}"
    item = ITEM.fullmatch(line)
    if item:
        depth = len(item[1]) // 2 + 1
        box = {"x": "(/) ", "X": "(/) ", " ": "", None: ""}[item[2]]
        return "*" * depth + " " + box + _inline(item[3], people)
    return _inline(line, people)


def _tight_lists(lines: list[str]) -> str:
    """The lines joined, without the blank lines between list items (in Jira they end a list)
    and without the lines of HTML that were dropped."""
    kept = [line for line in lines if line != DROP]
    out: list[str] = []
    for i, line in enumerate(kept):
        if not line and out and WIKI_ITEM.match(out[-1]) and WIKI_ITEM.match(_next(kept, i)):
            continue
        out.append(line)
    return "\n".join(out)


def _next(lines: list[str], i: int) -> str:
    return next((line for line in lines[i + 1 :] if line), "")


def _inline(text: str, people: Mapping[str, str]) -> str:
    out: list[str] = []
    at = 0
    for m in INLINE.finditer(text):
        out.append(_text(text[at : m.start()]))
        at = m.end()
        if m["code"]:
            span = m["span"]
            if len(span) > 2 and span.startswith(" ") and span.endswith(" ") and span.strip():
                span = span[1:-1]  # Markdown's padding beside backticks
            out.append("{{" + _code(span) + "}}")
        elif m["bold"]:
            out.append("*" + _inline(m["strong"], people) + "*")
        elif m["link"]:
            out.append("[" + _text(m["label"]) + "|" + m["href"] + "]")
        elif m["url"]:
            out.append("[" + m["url"] + "]")
        else:  # a login ends before the sentence's full stop
            login = m["login"].rstrip(".:-")
            said = people.get(login) or "@" + _text(login)
            out.append(said + _text(m["login"][len(login) :]))
    out.append(_text(text[at:]))
    return "".join(out)


def _text(text: str) -> str:
    """Text in which no character is markup."""
    return _escaped(text, lambda ch: "\\" + ch if ch in SPECIAL else ch)


def _code(text: str) -> str:
    """Text shown in monospace, someone else's: escaped, and no ``scheme://`` a link."""
    return _text(text).replace("://", "&#58;//").replace("mailto:", "mailto&#58;")


def _escaped(text: str, each: Callable[[str], str]) -> str:
    # a backslash as an entity: before a special character it would escape it, before
    # another backslash it would be a line break
    return "".join("&#92;" if ch == "\\" else each(ch) for ch in text)


def _encode(marker: str) -> str:
    return base64.b32encode(marker.encode()).decode().rstrip("=").lower()


# -- Jira's comments, as ciopt reads them ----------------------------------------------------------


def from_wiki(wiki: str) -> str:
    """A comment's wiki markup with ciopt's marker lines back as ``<!-- ciopt:... -->``."""

    def restore(match: re.Match[str]) -> str:
        token = match[1].upper()
        try:
            said = base64.b32decode(token + "=" * (-len(token) % 8)).decode()
        except (ValueError, UnicodeDecodeError):
            return match[0]
        return f"<!-- {said} -->" if said.startswith("ciopt:") and "-->" not in said else match[0]

    return MARKER_TOKEN.sub(restore, wiki)


# -- an issue's description, as the request parser reads Markdown ---------------------------------


def request_markdown(wiki: str) -> str:
    """``wiki`` (a description) as Markdown: code blocks fenced, quotes quoted, monospace as
    inline code, escapes undone; so what Jira shows as code or a quote is not read as a request
    (``{code:ciopt}`` is its block)."""
    text = wiki.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    at = 0
    for m in WIKI_BLOCK.finditer(text):
        out.append(_prose(text[at : m.start()]))
        at = m.end()
        info = _language(m[2]) if m[1] == "code" else ""
        body = m[3].strip("\n")
        fence = "`" * max(3, _longest_run(body, "`") + 1)
        out.append(f"\n{fence}{info}\n{body}\n{fence}\n")
    out.append(_prose(text[at:]))
    return "".join(out)


def _prose(text: str) -> str:
    text = WIKI_QUOTE.sub(lambda m: "\n" + _quoted(m[1].strip("\n")) + "\n", text)
    text = WIKI_BQ.sub(lambda m: "> " + m[1], text)
    text = WIKI_MONO.sub(lambda m: _inline_code(m[1]), text)
    return WIKI_ESCAPE.sub(r"\1", text)


def _quoted(text: str) -> str:
    return "\n".join("> " + line for line in text.split("\n"))


def _inline_code(text: str) -> str:
    fence = "`" * (_longest_run(text, "`") + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _language(params: str | None) -> str:
    for param in (params or "").split("|"):
        name, eq, value = param.partition("=")
        if not eq:
            return re.sub(r"[^\w+-]", "", name)
        if name.strip().lower() == "language":
            return re.sub(r"[^\w+-]", "", value)
    return ""


def _longest_run(text: str, ch: str) -> int:
    return max((len(m) for m in re.findall(f"{re.escape(ch)}+", text)), default=0)
