"""The subcommands: argument parsing and printing only, each calling one flow (``ciopt.flows``)
or the CI job (``ciopt.job``). Each module has ``add_parser(sub)`` and ``run(args) -> int``.
"""

from __future__ import annotations

from types import ModuleType

from ciopt.commands import (
    calibrate,
    compare,
    compile,
    dataset,
    discover,
    eval,
    gather,
    outputs,
    plan,
    policy,
    replay,
    run,
    trace,
)
from ciopt.commands.examples import ABOUT, EXAMPLES, epilog

__all__ = ["ABOUT", "COMMANDS", "EXAMPLES", "epilog"]

# by name, in the order ``ciopt --help`` lists them
COMMANDS: dict[str, ModuleType] = {
    "run": run,
    "plan": plan,
    "gather": gather,
    "discover": discover,
    "compare": compare,
    "calibrate": calibrate,
    "policy": policy,
    "replay": replay,
    "eval": eval,
    "dataset": dataset,
    "compile": compile,
    "trace": trace,
    "outputs": outputs,
}
