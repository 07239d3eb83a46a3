"""What a secret looks like: token shapes by rule name, and the test for random-looking strings.

Every pattern is ASCII-only and compiled with ``re.ASCII``, so it reads bytes (seen as latin-1
text) exactly as it reads text. A pattern with a group named ``s`` marks only that group as the
secret (``Bearer <s>``); otherwise the whole match is. Tokens may start right after a JSON escape
(``\\n``, ``\\u00e9``): a file of JSON is searched as text, and a replacement never splits an
escape, so the file stays valid JSON.

``encoded_forms`` is what a *known* secret (a secret variable's value) looks like once a program
has encoded it: base64 (standard and URL-safe, with and without padding, and the part of it that
survives inside a longer base64 stream at any of the three byte alignments), hex and reversed.
"""

from __future__ import annotations

import base64
import math
import re
from collections import Counter

__all__ = ["PATTERNS", "RESIDUE", "TAG", "encoded_forms", "looks_mixed", "looks_random"]

TAG = re.compile(r"(\[REDACTED:[a-z_]+(?::[0-9a-f]{12})?\])")

# where a token may start: not inside a word, but right after an escape such as \n
_START = r"(?:(?<![A-Za-z0-9])|(?<=\\[nrtbf])|(?<=\\u[0-9a-fA-F]{4}))"
_PEM = r"-----BEGIN[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----"
_PEM_END = r"-----END[ A-Z0-9]*PRIVATE KEY(?: BLOCK)?-----"
_RUN_START = (  # as _START, for the wider alphabet of base64
    r"(?:(?<![A-Za-z0-9+/_\\-])|(?<=\\)(?![nrtbfu/])|(?<=\\[nrtbf/])|(?<=\\u[0-9a-fA-F]{4}))"
)

PATTERNS: dict[str, re.Pattern[str]] = {
    name: re.compile(pattern, re.ASCII)
    for name, pattern in {
        # a whole block, or a truncated one up to where its base64 lines end
        "private_key": _PEM + rf"(?:[\s\S]*?{_PEM_END}|(?:(?:\s|\\[nr])*[A-Za-z0-9+/=]{{16,}})*)",
        # rules that know the secret from its context come before the token shapes, so that a
        # token is replaced whole even when a shape would match only its start
        "bearer": r"(?i:\bbearer)\s+(?P<s>[A-Za-z0-9._~+/=-]{16,})",
        "url_credentials": r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]*://"  # scheme://
        r"[^\s:/?#@\"'<>\\]*:(?P<s>[^\s/?#\"'<>\\]+)@",  # user:password@
        "aws": r"(?:(?<![A-Z0-9])|(?<=\\u[0-9a-fA-F]{4}))(?:AKIA|ASIA)[A-Z0-9]{16}"
        r"|(?i:(?:aws_?)?secret_?(?:access_?)?key)[\"']?\s*[:=]\s*[\"']?"
        r"(?P<s>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
        "github": _START + r"(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b",
        "gitlab": _START + r"gl(?:pat|dt|rt|ptt|cbt|oas|ft|imt|soat|agent)-[A-Za-z0-9_-]{20,}",
        "anthropic": _START + r"sk-ant-[A-Za-z0-9_-]{20,}",
        "openai": _START + r"sk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}",
        "slack": _START + r"xox[abprs]-[A-Za-z0-9-]{10,}",
        "jwt": _START + r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*",
        # a candidate only: ``looks_random`` decides
        "entropy": _RUN_START + r"(?P<s>[A-Za-z0-9+/_-]{24,}={0,2})",
    }.items()
}
# what a rule's greedy tail left of a secret that ran on without a break (``ghp_...glpat-...``)
RESIDUE = re.compile(r"(?<=[0-9a-f]{12}\])(?P<s>[A-Za-z0-9+/_-]{8,})", re.ASCII)

_HEX = re.compile(r"(?:0x)?[0-9a-fA-F-]+=*")  # digests, git shas, UUIDs: at most 4 bits a char
_SEPARATOR = re.compile(r"[-_/+=]+")
# a run of words: Capitalised or lower (2+ letters), ACRONYMS, numbers, single capitals (7B)
_WORDS = re.compile(r"(?:[A-Z]?[a-z]{2,}|[A-Z]{2,}(?![a-z])|[0-9]+|[A-Z](?![a-z]))+")


def looks_random(token: str) -> bool:
    """Whether ``token`` (24+ characters) looks like a key rather than a word, path or digest.

    It must mix upper case, lower case and digits, carry close to the most information a string
    of its length can (4.2 bits a character; less for short ones, whose ceiling is log2 of their
    length), and have a part of 8+ characters that does not read as words (``Http2Server``).
    """
    if not (re.search("[A-Z]", token) and re.search("[a-z]", token) and re.search("[0-9]", token)):
        return False
    if _HEX.fullmatch(token):
        return False
    if _entropy(token) < min(4.2, math.log2(len(token)) - 0.75):
        return False
    parts = [p for p in _SEPARATOR.split(token) if len(p) >= 8]
    return any(not _WORDS.fullmatch(p) for p in parts)


def looks_mixed(token: str) -> bool:
    """Whether ``token`` mixes two of upper case, lower case and digits, and is not hex."""
    classes = ("[A-Z]", "[a-z]", "[0-9]")
    return sum(bool(re.search(c, token)) for c in classes) >= 2 and not _HEX.fullmatch(token)


def encoded_forms(secret: str) -> set[str]:
    """``secret`` (its UTF-8 bytes) as base64 and hex, and reversed: the forms to search for
    besides the secret itself.

    In a base64 stream the secret starts at byte 0, 1 or 2 of a 3-byte group; what it encodes to
    then differs, and the characters at its two ends also carry bits of its neighbours. For each
    alignment the form is the run of characters made of the secret's bits alone, so it is found
    wherever the secret sits in the stream (the few bits in the two edge characters stay).
    """
    raw = secret.encode("utf-8")
    forms = {raw.hex(), raw.hex().upper(), secret[::-1]}
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        alone = encode(raw).decode("ascii")
        forms |= {alone, alone.rstrip("=")}
        for shift in range(3):
            stream = encode(bytes(shift) + raw).decode("ascii")
            first = -(-8 * shift // 6)  # the first character with none of the shift's bits
            end = 8 * (shift + len(raw)) // 6  # past the last with none of what follows
            forms.add(stream[first:end])
    forms.discard("")
    return forms


def _entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    n = len(text)
    return -sum(c / n * math.log2(c / n) for c in Counter(text).values())
