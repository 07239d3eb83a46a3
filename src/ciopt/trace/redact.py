"""Redaction: secrets are replaced before anything is written to a trace, log or report."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["SECRET_NAME", "Redactor"]

SECRET_NAME = re.compile(
    r"TOKEN|SECRET|PASSW(?:OR)?D|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH|COOKIE|SESSION",
    re.IGNORECASE,
)

PATTERNS = {
    "github": re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})\b"),
    "gitlab": re.compile(r"\bgl(?:pat|dt|rt|ptt|cbt|oas)-[A-Za-z0-9_-]{20,}\b"),
    "aws": re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b"),
    "openai": re.compile(r"\bsk-(?:proj-|ant-)?[A-Za-z0-9_-]{20,}\b"),
    "private_key": re.compile(
        r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.DOTALL
    ),
    "bearer": re.compile(r"(?i)\bbearer\s+[A-Za-z0-9._~+/=-]{16,}"),
}


class Redactor:
    """Replaces the exact values of secret variables and well-known token shapes."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self._secrets = sorted({s for s in secrets or [] if len(s) >= 6}, key=len, reverse=True)

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Redactor:
        return cls([v for k, v in environ.items() if SECRET_NAME.search(k)])

    def text(self, value: str) -> str:
        for secret in self._secrets:
            if secret in value:
                value = value.replace(secret, "[REDACTED:env]")
        for rule, pattern in PATTERNS.items():
            value = pattern.sub(f"[REDACTED:{rule}]", value)
        return value

    def value(self, value: Any) -> Any:
        """Redact every string inside a JSON-like value."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(str(k)): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value
