"""The ``ciopt`` command: its parser, and the one place errors become messages and exit codes.

Exit codes: 0 a result (whatever the verdict), 1 an error the user can fix, 3 a bug in ciopt,
4 ``compare``'s verdict is one that ``--fail-on`` names, 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence

from ciopt import __version__
from ciopt.commands import ABOUT, COMMANDS, epilog
from ciopt.errors import CioptError
from ciopt.proc import undumpable
from ciopt.trace import Redactor

__all__ = ["main", "parser"]


def parser() -> argparse.ArgumentParser:
    """``ciopt`` and its commands, each ``--help`` ending with examples (``commands.examples``)."""
    top = argparse.ArgumentParser(
        prog="ciopt", description=ABOUT, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    top.add_argument("--version", action="version", version=f"ciopt {__version__}")
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS.values():
        command.add_parser(sub)
    for name, command_parser in commands_of(top):
        command_parser.epilog = epilog(name)
        command_parser.formatter_class = argparse.RawDescriptionHelpFormatter
    return top


def commands_of(
    top: argparse.ArgumentParser, prefix: str = ""
) -> list[tuple[str, argparse.ArgumentParser]]:
    """Every command's parser under ``top``, named as typed (``"trace show"``), nested ones too."""
    found = []
    for action in top._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                path = f"{prefix}{name}"
                found.append((path, child))
                found.extend(commands_of(child, f"{path} "))
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """The command line (``argv``, else ``sys.argv``) run; the exit code.

    As the program itself (no ``argv``: the ``ciopt`` script, ``python -m ciopt``), the first
    thing it does is make its process undumpable (``proc.undumpable``): before any secret is
    used and any of the client's code runs, other processes of its user can no longer read its
    environment or memory. A caller in the same process (a test) passes ``argv`` and keeps its
    process as it was.
    """
    if argv is None:
        undumpable()
    args = parser().parse_args(argv)
    redact = Redactor.from_environ(os.environ).text
    try:
        return int(COMMANDS[args.command].run(args))
    except CioptError as exc:
        print(f"error: {redact(str(exc))}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception:
        print(redact(traceback.format_exc()), end="", file=sys.stderr)
        print(
            f"error: ciopt {__version__} hit a bug (above); please report it with trace.jsonl",
            file=sys.stderr,
        )
        return 3
