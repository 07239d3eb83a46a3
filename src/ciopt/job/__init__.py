"""The CI job around a run on a forge: who asked, may they, claim the request, report progress,
and what the job exposes when it ends.

    respond      the requests of a CI event (or a poll), each answered by a ``Responder``
    claim        one job per request, by a marker in the progress comment
    progress     the progress comment, edited in place as the run goes
    fanout       ``ciopt plan`` and ``ciopt gather`` on a forge: claimed, shown, published
    gitlab_child the GitLab child pipeline of a plan: its units' jobs in waves, and gather
    targets      ``/optimize`` on a pull request without a target: the functions it changed
    ci_outputs   step outputs, a dotenv report and the job summary, from an output folder
"""

from __future__ import annotations

from ciopt.job.ci_outputs import Found, Outputs, collect
from ciopt.job.claim import ci_run
from ciopt.job.fanout import gather_on_forge, gathered_verdict, plan_on_forge
from ciopt.job.gitlab_child import GitLabChild, gitlab_child
from ciopt.job.respond import answer_requests

__all__ = [
    "Found",
    "GitLabChild",
    "Outputs",
    "answer_requests",
    "ci_run",
    "collect",
    "gather_on_forge",
    "gathered_verdict",
    "gitlab_child",
    "plan_on_forge",
]
