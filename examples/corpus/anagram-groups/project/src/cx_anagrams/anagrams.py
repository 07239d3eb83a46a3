"""Grouping words that are anagrams of each other, for a word-game helper."""

from __future__ import annotations


def group_anagrams(words: list[str]) -> list[list[str]]:
    """Words grouped with their anagrams.

    Groups come in order of first appearance, words in input order.
    """
    groups: list[list[str]] = []
    for word in words:
        for group in groups:
            if sorted(group[0]) == sorted(word):
                group.append(word)
                break
        else:
            groups.append([word])
    return groups
