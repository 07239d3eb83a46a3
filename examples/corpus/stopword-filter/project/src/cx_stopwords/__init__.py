"""Removing stop words before indexing."""

from cx_stopwords.filter import content_words

__all__ = ["content_words"]
