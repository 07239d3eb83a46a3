"""textkit: small text-processing helpers."""

from __future__ import annotations

from textkit.patterns import count_keywords
from textkit.render import render_table
from textkit.stats import normalize
from textkit.tokens import dedupe, tokenize

__all__ = [
    "count_keywords",
    "dedupe",
    "normalize",
    "render_table",
    "tokenize",
]

__version__ = "0.1.0"
