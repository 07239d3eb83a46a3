"""Plugins ciopt loads into the client's pytest: stdlib only, and nothing of ciopt.

They reach the client's interpreter through ``PYTHONPATH`` (this folder) and ``-p``, never by an
install: ``ciopt_probe`` (what a session ran and imported), ``ciopt_record`` and
``ciopt_replay`` (calls recorded on the baseline, replayed on a candidate), ``ciopt_shapes``
(the types and sizes of a call's arguments), ``ciopt_variants`` (inputs derived from recorded
ones), ``ciopt_values`` (values made comparable), ``ciopt_profile`` (hot functions and lines),
``ciopt_instr`` (the benchmark fixture under valgrind) and ``ciopt_together`` (both sides of a
duet round started at once). ciopt itself needs only where they are.
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["INJECT_DIR"]

INJECT_DIR = Path(__file__).parent
