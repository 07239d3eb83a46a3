def rows_complete(rows: list[dict[str, str]], required: tuple[str, ...] = REQUIRED) -> bool:
    """Whether every row has a non-empty value for every required column."""
    for row in rows:
        for column in required:
            if not row.get(column):
                return False
    return True
