from itertools import groupby


def run_lengths(text: str) -> list[tuple[str, int]]:
    """The runs of equal characters in *text*, as (character, length) pairs."""
    return [(char, len(list(run))) for char, run in groupby(text)]
