"""What every trace sink is: the ``Sink`` interface, what it is sent, and where the run is."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

__all__ = ["SENT_FILES", "RunPlace", "Shipment", "Sink", "shown_url"]

# what leaves the machine: the output folder's files, written, redacted and scrubbed already
SENT_FILES = ("trace.jsonl", "trace.otlp.jsonl", "verdict.json", "report.md")
_UNSAFE = re.compile(r"[^\w.-]+", re.ASCII)


@dataclass(frozen=True)
class Shipment:
    """A run's trace as its output folder holds it when the command ends."""

    folder: Path
    trace_id: str
    expires_at: str | None = None  # ISO 8601, the trace header's
    retention_days: int | None = None

    def files(self) -> list[Path]:
        """Those of ``SENT_FILES`` the command wrote."""
        return [self.folder / name for name in SENT_FILES if (self.folder / name).is_file()]


@dataclass(frozen=True)
class RunPlace:
    """Which repository and which run a trace belongs to, as path segments: ``owner`` may hold
    slashes (a GitLab subgroup), ``repo`` and ``run`` do not."""

    owner: str
    repo: str
    run: str

    @classmethod
    def find(cls, environ: Mapping[str, str], repo: Path, trace_id: str) -> RunPlace:
        """From the CI's variables (GitHub Actions, GitLab CI), else ``local/<folder name>``;
        the run is the CI's run (and attempt, or job) followed by the trace id, so that each
        of a poll's requests, each with its own trace, has its own place."""
        slug, ci_run = "", ""
        if environ.get("GITHUB_REPOSITORY"):
            slug = environ["GITHUB_REPOSITORY"]
            ci_run = "-".join(
                environ[k] for k in ("GITHUB_RUN_ID", "GITHUB_RUN_ATTEMPT") if environ.get(k)
            )
        elif environ.get("CI_PROJECT_PATH"):
            slug = environ["CI_PROJECT_PATH"]
            ci_run = "-".join(environ[k] for k in ("CI_PIPELINE_ID", "CI_JOB_ID") if environ.get(k))
        owner, _, name = slug.rpartition("/")
        if not (owner and name):
            owner, name = "local", repo.resolve().name
        run = f"{ci_run}-{trace_id}" if ci_run else trace_id
        return cls(
            owner="/".join(_segment(part) for part in owner.split("/")),
            repo=_segment(name),
            run=_segment(run),
        )

    def key(self) -> str:
        return f"{self.owner}/{self.repo}/{self.run}"


class Sink(Protocol):
    """Where a run's trace goes when a command ends, besides the output folder."""

    @property
    def kind(self) -> str:
        """The settings' ``kind``: the registry's name of this family."""
        ...

    @property
    def target(self) -> str:
        """Where it sends, for the report and the log: never a credential or header value."""
        ...

    def send(self, shipment: Shipment) -> None:
        """Send the run's trace; ``SinkError`` when it could not."""
        ...


def _segment(text: str) -> str:
    """One path segment: letters, digits, ``.``, ``_`` and ``-``; never ``.`` or ``..``."""
    safe = _UNSAFE.sub("_", text).lstrip(".")
    return safe or "_"


def shown_url(url: str) -> str:
    """``url`` without what may hold a credential: user info, query and fragment."""
    parts = urlsplit(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{parts.hostname or ''}{port}{parts.path}"
