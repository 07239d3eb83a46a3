"""The CI job around a run on a forge: who asked, may they, claim the request, report progress,
and what the job exposes when it ends.

    respond      the requests of a CI event (or a poll), each answered by a ``Responder``
    claim        one job per request, by a marker in the progress comment
    progress     the progress comment, edited in place as the run goes
    targets      ``/optimize`` on a pull request without a target: the functions it changed
    ci_outputs   step outputs, a dotenv report and the job summary, from an output folder
"""

from __future__ import annotations

from ciopt.job.ci_outputs import Found, Outputs, collect
from ciopt.job.respond import answer_requests

__all__ = [
    "Found",
    "Outputs",
    "answer_requests",
    "collect",
]
