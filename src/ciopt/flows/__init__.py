"""One flow per command: what ``run``, ``compare``, ``calibrate`` and ``replay`` do, inside the
``Session`` of the command (its output folder, trace, ledger and executor).

    session     the session of one command
    optimize    a request, end to end (``pipeline.Run``; each candidate: ``candidate``)
    memory      what earlier runs tried on a target: where it is kept, recalled, added to
    fanout      a request's plan over CI jobs, and the run of one unit of it
    gather      the units' results read back, the best of each target published
    discover    the hottest functions of the benchmarks, as targets (``ranking``: named, ranked)
    compare     one commit against another
    calibrate   one commit against itself: this machine's noise
    replay      a recorded run again, with its model's replies
    verdicts    the decisions: a run's winner, a compare's verdict (pure functions)
    stops       a failure once a run has a winner: it ends the search, in a word and a line
    artifacts   the output folder
"""

from __future__ import annotations

from ciopt.flows.artifacts import OutputDir
from ciopt.flows.calibrate import Calibrated, calibrate_machine
from ciopt.flows.compare import compare_commits
from ciopt.flows.discover import discover
from ciopt.flows.fanout import Discoverer, plan_units, run_unit
from ciopt.flows.gather import Gathered, Published, UnitState, gather_units
from ciopt.flows.memory import BranchStore, LocalStore, Recorded, Store, open_store
from ciopt.flows.optimize import optimize_request
from ciopt.flows.replay import Recording, Replayed, read_recording, replay_run
from ciopt.flows.session import Session
from ciopt.flows.verdicts import compare_verdict, run_verdict

__all__ = [
    "BranchStore",
    "Calibrated",
    "Discoverer",
    "Gathered",
    "LocalStore",
    "OutputDir",
    "Published",
    "Recorded",
    "Recording",
    "Replayed",
    "Session",
    "Store",
    "UnitState",
    "calibrate_machine",
    "compare_commits",
    "compare_verdict",
    "discover",
    "gather_units",
    "open_store",
    "optimize_request",
    "plan_units",
    "read_recording",
    "replay_run",
    "run_unit",
    "run_verdict",
]
