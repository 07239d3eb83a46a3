"""Cleaning up the address lists of a mailing list."""

from __future__ import annotations


def unique_emails(emails: list[str]) -> list[str]:
    """The addresses trimmed and lowercased, without repeats, in first-seen order.

    Blank entries are skipped.
    """
    result = []
    for email in emails:
        address = email.strip().lower()
        if address and address not in result:
            result.append(address)
    return result
