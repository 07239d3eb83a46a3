def group_anagrams(words: list[str]) -> list[list[str]]:
    """Words grouped with their anagrams.

    Groups come in order of first appearance, words in input order.
    """
    groups: dict[str, list[str]] = {}
    for word in words:
        key = "".join(sorted(word))
        if key in groups:
            groups[key].append(word)
        else:
            groups[key] = [word]
    return list(groups.values())
