def to_csv(rows: list[list[str]]) -> str:
    """The rows as CSV: cells separated by commas, quoted when needed, one line a row."""
    return "".join([",".join([_quote(cell) for cell in row]) + "\n" for row in rows])
