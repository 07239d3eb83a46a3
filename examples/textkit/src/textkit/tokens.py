"""Tokenizing text into words and removing repeated tokens."""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable
from typing import TypeVar

T = TypeVar("T", bound=Hashable)

_WORD = re.compile(r"\w+(?:'\w+)*")


def tokenize(text: str) -> list[str]:
    """Split *text* into lowercase word tokens.

    A token is a run of word characters, optionally joined by apostrophes
    (so ``"don't"`` stays one token). Punctuation and whitespace are dropped.

    >>> tokenize("Don't panic: it's only a test.")
    ["don't", 'panic', "it's", 'only', 'a', 'test']
    """
    return [match.group(0).lower() for match in _WORD.finditer(text)]


def dedupe(items: Iterable[T]) -> list[T]:
    """Return *items* without repeats, keeping the order of first occurrence.

    Items are hashable tokens (typically the output of :func:`tokenize`).
    Items that compare equal count as duplicates, so only the first of
    ``1``, ``1.0`` and ``True`` is kept.

    >>> dedupe(["b", "a", "b", "c", "a"])
    ['b', 'a', 'c']
    """
    out = []
    for item in items:
        if item not in out:
            out.append(item)
    return out
