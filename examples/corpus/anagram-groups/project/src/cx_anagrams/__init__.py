"""Grouping words that are anagrams of each other."""

from cx_anagrams.anagrams import group_anagrams

__all__ = ["group_anagrams"]
