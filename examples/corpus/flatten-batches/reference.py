from itertools import chain


def collect_ids(pages: list[list[int]]) -> list[int]:
    """The ids of every page of results, as one list in page order."""
    return list(chain.from_iterable(pages))
