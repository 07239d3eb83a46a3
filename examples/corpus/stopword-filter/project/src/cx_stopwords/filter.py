"""Removing stop words from tokens before they are indexed."""

from __future__ import annotations

STOPWORDS = (
    "a an and are as at be but by for from has have he her his in is it its of on or "
    "she that the their they this to was were will with you your"
)


def content_words(tokens: list[str], stopwords: str = STOPWORDS) -> list[str]:
    """The tokens that are not stop words (compared lowercased), in order."""
    return [token for token in tokens if token.lower() not in stopwords.split()]
