"""Fenced code blocks in a model's reply: backticks or tildes, with or without a language tag."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["Fence", "fences", "prose"]

OPENING = re.compile(r"[ \t]*(?P<mark>`{3,}|~{3,})[ \t]*(?P<lang>[\w+.#-]*)[^`\n]*")


@dataclass(frozen=True)
class Fence:
    language: str  # lower case; "" when the fence names none
    body: str  # the lines between the fence lines, each ending in a newline
    start: int  # index of the opening line in the reply's lines
    end: int  # one past the closing line; the reply's end when the fence is never closed


def fences(text: str) -> list[Fence]:
    """The fenced blocks of ``text`` (newlines already ``\\n``), in order."""
    lines = text.split("\n")
    found: list[Fence] = []
    i = 0
    while i < len(lines):
        opened = OPENING.fullmatch(lines[i])
        if opened is None:
            i += 1
            continue
        mark = opened["mark"]
        closing = re.compile(rf"[ \t]*{re.escape(mark[0])}{{{len(mark)},}}[ \t]*")
        j = i + 1
        while j < len(lines) and not closing.fullmatch(lines[j]):
            j += 1
        inside = lines[i + 1 : j]
        if j == len(lines) and inside and inside[-1].rstrip().endswith(mark):
            inside[-1] = inside[-1].rstrip().removesuffix(mark)  # closed on its last line
        body = "".join(line + "\n" for line in inside)
        found.append(Fence(opened["lang"].lower(), body, i, min(j + 1, len(lines))))
        i = j + 1
    return found


def prose(text: str) -> str:
    """The text outside the fenced blocks, paragraphs kept, stripped."""
    lines = text.split("\n")
    for fence in reversed(fences(text)):
        lines[fence.start : fence.end] = [""]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in lines)).strip()
