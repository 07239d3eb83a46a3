"""The run's signatures by id: what policies are compiled against and promoted for."""

from __future__ import annotations

from typing import Any

from ciopt.agent.explain import EXPLAIN
from ciopt.agent.propose import PROPOSE
from ciopt.agent.repair import REPAIR
from ciopt.agent.signature import Signature

__all__ = ["SIGNATURES", "schema_hashes"]

SIGNATURES: dict[str, Signature[Any, Any]] = {s.id: s for s in (PROPOSE, REPAIR, EXPLAIN)}


def schema_hashes() -> dict[str, str]:
    return {name: signature.schema_hash for name, signature in SIGNATURES.items()}
