"""Redaction: secrets are replaced before anything is written to a trace, log or report.

A secret becomes ``[REDACTED:<rule>:<hash>]``: the rule that found it (``env`` for the value of a
secret-named variable, found as written, inside a JSON string, base64-encoded, hex-encoded or
reversed; else a pattern of ``ciopt.trace.rules``) and the first 12 hex digits of
HMAC-SHA256(key, secret). The same secret gets the same tag throughout a run, and across runs that
set the same ``CIOPT_REDACTION_KEY``; without the key, a tag cannot be traced back to a short
secret by trying candidates. The key is random otherwise, and redacted like any secret.

Only the text between tags is searched, so redacting twice changes nothing. Bytes are searched as
latin-1 text (one character a byte), so ``data`` finds what ``text`` finds in UTF-8 content.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from pathlib import Path
from typing import Any

from ciopt.trace.rules import PATTERNS, RESIDUE, TAG, encoded_forms, looks_mixed, looks_random

__all__ = ["KEY_VARIABLE", "SECRET_NAME", "Redactor"]

KEY_VARIABLE = "CIOPT_REDACTION_KEY"
SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSW(?:OR)?D|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH|COOKIE|SESSION"
    r"|(?<![A-Z])KEY(?![A-Z])"  # SSH_KEY, STRIPE_KEY; not KEYBOARD or MONKEY
    r"|(?<![A-Z])PAT(?![A-Z])",  # personal access tokens: JIRA_PAT, GH_PAT; not PATH
    re.IGNORECASE,
)
MIN_LENGTH = 6  # shorter values would turn up in ordinary text

_Encode = Callable[[str], bytes]  # a match back to the secret's own bytes, for its hash


def _utf8(text: str) -> bytes:
    return text.encode("utf-8")


def _latin1(text: str) -> bytes:
    return text.encode("latin-1")


class Redactor:
    """Replaces the exact values of secret variables, known token shapes and random strings."""

    def __init__(self, secrets: Iterable[str] | None = None, *, key: str | None = None) -> None:
        values = {s for s in [*(secrets or ()), *([key] if key else [])] if len(s) >= MIN_LENGTH}
        self._key = key.encode() if key else os.urandom(32)
        # each value also as it appears inside a JSON string, and encoded; longest first, so
        # that a secret holding a shorter one is replaced whole
        needles = {
            (form, self._tag("env", _utf8(v)))
            for v in values
            for form in _forms(v)
            if len(form) >= MIN_LENGTH
        }
        self._needles = sorted(needles, key=lambda n: len(n[0]), reverse=True)
        self._byte_needles = [(_utf8(n).decode("latin-1"), tag) for n, tag in self._needles]

    @classmethod
    def from_environ(cls, environ: Mapping[str, str], also: Iterable[str] = ()) -> Redactor:
        """The values of ``environ``'s secret-named variables are secrets, and those of the
        variables ``also`` names (a trace sink's header values, whatever their names)."""
        named = set(also)
        secrets = [v for k, v in environ.items() if SECRET_NAME.search(k) or k in named]
        return cls(secrets, key=environ.get(KEY_VARIABLE))

    def text(self, value: str) -> str:
        return _settle(value, partial(self._once, self._needles, _utf8))

    def data(self, value: bytes) -> bytes:
        view = value.decode("latin-1")  # one character a byte
        return _settle(view, partial(self._once, self._byte_needles, _latin1)).encode("latin-1")

    def value(self, value: Any) -> Any:
        """Redact every string inside a JSON-like value."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    def scrub_tree(self, root: Path) -> list[Path]:
        """Rewrite ``root``, or every file under it, that holds a secret; return those files.

        The safety net for files that subprocesses wrote. Symbolic links are not followed.
        """
        if root.is_file() and not root.is_symlink():
            return [root] if self._scrub_file(root) else []
        changed = []
        for folder, _, names in os.walk(root):
            for name in sorted(names):
                path = Path(folder, name)
                if not path.is_symlink() and path.is_file() and self._scrub_file(path):
                    changed.append(path)
        return changed

    def _scrub_file(self, path: Path) -> bool:
        raw = path.read_bytes()
        try:
            clean = self.text(raw.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            clean = self.data(raw)
        if clean == raw:
            return False
        path.write_bytes(clean)
        return True

    def _once(self, needles: list[tuple[str, str]], encode: _Encode, text: str) -> str:
        for needle, tag in needles:
            if needle in text:
                text = _between_tags(text, partial(_swap, needle, tag))
        for rule, pattern in PATTERNS.items():
            check = looks_random if rule == "entropy" else None
            replace = partial(self._replace, rule, check, encode)
            text = _between_tags(text, partial(pattern.sub, replace))
        return RESIDUE.sub(partial(self._replace, "entropy", looks_mixed, encode), text)

    def _replace(
        self, rule: str, check: Callable[[str], bool] | None, encode: _Encode, match: re.Match[str]
    ) -> str:
        """The match with its secret (group ``s``, else all of it) replaced by a tag.

        ``check`` is the last word on whether a candidate is a secret.
        """
        if "s" not in match.re.groupindex or match.group("s") is None:
            return self._tag(rule, encode(match.group()))
        secret = match.group("s")
        if check is not None and not check(secret):
            return match.group()
        head = match.string[match.start() : match.start("s")]
        tail = match.string[match.end("s") : match.end()]
        return head + self._tag(rule, encode(secret)) + tail

    def _tag(self, rule: str, secret: bytes) -> str:
        digest = hmac.new(self._key, secret, hashlib.sha256).hexdigest()
        return f"[REDACTED:{rule}:{digest[:12]}]"


def _forms(value: str) -> set[str]:
    """A value as written, encoded (base64, hex, reversed: ``encoded_forms``), and each of those
    as it reads inside a JSON string."""
    return {
        inside
        for form in {value, *encoded_forms(value)}
        for inside in (form, json.dumps(form)[1:-1], json.dumps(form, ensure_ascii=False)[1:-1])
    }


def _swap(needle: str, tag: str, text: str) -> str:
    return text.replace(needle, tag)


def _between_tags(text: str, redact: Callable[[str], str]) -> str:
    """Apply ``redact`` to the text between the tags already there, never to a tag."""
    parts = TAG.split(text)
    parts[::2] = [redact(part) if part else part for part in parts[::2]]
    return "".join(parts)


def _settle(text: str, once: Callable[[str], str]) -> str:
    """Redact until nothing changes: a tag ends the token beside it, which a rule may then match.

    It ends: each pass that changes something turns text outside tags into a tag.
    """
    while True:
        redacted = once(text)
        if redacted == text:
            return text
        text = redacted
