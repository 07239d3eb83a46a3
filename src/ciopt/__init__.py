"""ciopt: a code-optimization bot that runs inside your own CI.

Public API: the ``ciopt`` command (``ciopt.cli.main``), the verdict contract
(``ciopt.verdict.Verdict``), and the backend registries (``ciopt.forges.FORGES``,
``ciopt.executors.EXECUTORS``, ``ciopt.agent.MODELS``).
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
