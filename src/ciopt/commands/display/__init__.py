"""What a long command shows while it runs: its progress, followed through the trace.

follow    the trace's records as steps, groups, fates, looks and budget (pure)
lines     no terminal: timestamped lines in collapsible groups (GitHub, GitLab, plain)
live      a terminal: a live display (rich)
output    which of them, ``--quiet`` and ``--json``, and where the result goes
"""

from __future__ import annotations

from ciopt.commands.display.follow import Follower
from ciopt.commands.display.lines import Lines, ci_style, escape
from ciopt.commands.display.output import Display, Output, add_output_flags

__all__ = ["Display", "Follower", "Lines", "Output", "add_output_flags", "ci_style", "escape"]
