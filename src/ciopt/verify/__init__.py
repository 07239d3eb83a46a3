"""Verification: is a change correct? Cheapest check first.

verifier      the order of checks, for ``run`` and ``compare``: guard, parity, replay
guard         a change may touch only the files it is allowed to
parity        the client's tests on both sides, outcomes compared by node id
recording     the baseline's calls, recorded in the client's interpreter
differential  those calls, and generated ones, replayed through both versions
inputs        generated inputs: from type hints, else from the recorded calls' shapes
generate      inputs from type hints (hypothesis), never importing the client's code
shapegen      inputs of the types and sizes recorded calls had: edge cases, then hypothesis
shapes        input shapes: their names, and how many distinct ones the calls cover
equality      are two recorded values the same (deep, with float tolerance)?
astdiff       which functions differ between two versions of a file
"""

from __future__ import annotations

from ciopt.verify.astdiff import changed_functions, definitions
from ciopt.verify.cache import default_cache_dir
from ciopt.verify.guard import ALWAYS_FORBIDDEN, violations
from ciopt.verify.parity import TestRun, judge_tests, run_tests
from ciopt.verify.verifier import Rejection, Scope, Verifier, recording_selectors, replay_options

__all__ = [
    "ALWAYS_FORBIDDEN",
    "Rejection",
    "Scope",
    "TestRun",
    "Verifier",
    "changed_functions",
    "default_cache_dir",
    "definitions",
    "judge_tests",
    "recording_selectors",
    "replay_options",
    "run_tests",
    "violations",
]
