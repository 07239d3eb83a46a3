"""The one jinja2 set-up for all ciopt renders: prompts, reports, summaries, the trace page.

Markdown that ciopt posts (comments, pull request bodies, job summaries) shows text it did not
write (a request, a name, an error quoting either) only through the filters below: ``code`` (an
inline code span), ``codeblock`` (a fenced block) and ``mention`` (an ``@login`` of the person
ciopt answers). In code, a forge renders no mention, link, image, HTML or markup.
"""

from __future__ import annotations

import re
import unicodedata

import jinja2

__all__ = ["code", "codeblock", "environment", "mention"]

CODE_LIMIT = 1000  # characters shown of one value in a code span
BACKTICKS = re.compile(r"`+")
# GitHub and GitLab logins, Jira accounts (a Cloud accountId: 712020:<uuid>; a Data Center name)
LOGIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,254}(?:\[bot\])?")


def environment(package: str, *, html: bool = False) -> jinja2.Environment:
    """Templates of ``package``'s ``templates`` folder; strict about undefined names.

    Only HTML is autoescaped: prompts, markdown and terminal text are plain text, and markdown
    templates show untrusted text through ``code``, ``codeblock`` and ``mention``.
    """
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(package, "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=html,  # noqa: S701 - on exactly for HTML
    )
    env.filters.update(code=code, codeblock=codeblock, mention=mention)
    return env


def code(value: object, limit: int = CODE_LIMIT, *, table: bool = False) -> str:
    """``value`` as one markdown inline code span, whatever it holds.

    Line breaks, control and invisible characters become spaces (a line break could end the
    span's paragraph and start an HTML block); the fence is one backtick longer than the longest
    run inside; more than ``limit`` characters are cut (``…``). ``table``: for a table cell,
    where ``|`` ends the cell even inside code, each pipe is escaped (GFM shows ``\\|`` in a
    cell's code as ``|``). Empty or None: nothing.
    """
    text = " ".join(_visible(str("" if value is None else value), keep="").split())
    if not text:
        return ""
    if len(text) > limit:
        text = text[: max(limit - 1, 0)].rstrip() + "…"
    if table:  # one backslash before each pipe, never two (that would escape the backslash)
        text = re.sub(r"\\*\|", r"\\|", text)
    fence = "`" * (max((len(m) for m in BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def codeblock(value: object, language: str = "") -> str:
    """``value`` as a fenced code block (no trailing newline): its fence is longer than any
    backtick run inside, so no line of it can close the block; control characters are dropped."""
    text = _visible(str("" if value is None else value), keep="\n\t").strip("\n")
    fence = "`" * max(3, max((len(m) for m in BACKTICKS.findall(text)), default=0) + 1)
    info = re.sub(r"[^\w+-]", "", language)
    return f"{fence}{info}\n{text}\n{fence}"


def mention(login: object) -> str:
    """``@login``, for the person ciopt answers, when it is a forge login (letters, digits and
    ``._-``, GitHub's ``[bot]``); anything else is shown as code and mentions nobody."""
    text = str(login)
    return f"@{text}" if LOGIN.fullmatch(text) else code(text, 100)


def _visible(text: str, keep: str) -> str:
    """``text`` without control, format, separator or private characters (but ``keep``): they
    become spaces (a carriage return, a line separator) or go (a zero-width joiner)."""
    out = []
    for ch in text.replace("\r\n", "\n"):
        if ch in keep:
            out.append(ch)
        elif ch.isspace() or unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            out.append(" ")
        elif unicodedata.category(ch) not in ("Cf", "Co", "Cs", "Cn"):
            out.append(ch)
    return "".join(out)
