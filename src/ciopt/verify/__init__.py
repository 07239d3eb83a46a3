"""Verification: the file guard, test parity, and differential replay of recorded calls."""

from __future__ import annotations

from ciopt.verify.guard import ALWAYS_FORBIDDEN, violations
from ciopt.verify.tests import TestRun, judge_tests, run_tests

__all__ = ["ALWAYS_FORBIDDEN", "TestRun", "judge_tests", "run_tests", "violations"]
