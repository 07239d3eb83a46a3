"""Canonical JSON and sha256: the one way ciopt names prompts, blobs and policies."""

from __future__ import annotations

import hashlib
import json
from typing import Any

__all__ = ["canonical_json", "sha256_hex"]


def canonical_json(value: Any) -> str:
    """Sorted keys, no spaces, UTF-8 kept: the same value always gives the same text."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256_hex(value: str | bytes | Any) -> str:
    """sha256 of text or bytes as they are, or of anything else's canonical JSON."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    elif not isinstance(value, bytes):
        value = canonical_json(value).encode("utf-8")
    return hashlib.sha256(value).hexdigest()
