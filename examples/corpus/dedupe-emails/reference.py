def unique_emails(emails: list[str]) -> list[str]:
    """The addresses trimmed and lowercased, without repeats, in first-seen order.

    Blank entries are skipped.
    """
    result = []
    seen = set()
    for email in emails:
        address = email.strip().lower()
        if address and address not in seen:
            seen.add(address)
            result.append(address)
    return result
