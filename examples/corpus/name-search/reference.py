def search_names(names: list[str], query: str) -> list[str]:
    """The names containing *query*, both folded (NFKD, casefolded, spaces collapsed)."""
    needle = _fold(query)
    return [name for name in names if needle in _fold(name)]
