"""Verification: test parity between baseline and candidate, and the file guard."""

from __future__ import annotations

from ciopt.verify.guard import ALWAYS_FORBIDDEN, violations
from ciopt.verify.tests import TestRun, run_tests

__all__ = ["ALWAYS_FORBIDDEN", "TestRun", "run_tests", "violations"]
