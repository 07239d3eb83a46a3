from itertools import islice


def first_errors(lines: list[str], limit: int) -> list[str]:
    """The first *limit* lines that report an error or a fatal failure."""
    if limit < 0:
        return [line for line in lines if _ERROR.search(line)][:limit]
    return list(islice((line for line in lines if _ERROR.search(line)), limit))
