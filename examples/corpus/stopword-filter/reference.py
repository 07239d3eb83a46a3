def content_words(tokens: list[str], stopwords: str = STOPWORDS) -> list[str]:
    """The tokens that are not stop words (compared lowercased), in order."""
    stop = set(stopwords.split())
    return [token for token in tokens if token.lower() not in stop]
