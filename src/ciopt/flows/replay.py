"""``ciopt replay``'s flow: a recorded ``ciopt run`` again, the model's replies taken from it.

The repository, base commit, request and settings come from the trace's ``run.config`` event;
each model call is answered with the recorded reply for the same prompt hash. Measurements are
taken afresh, so a replay shows whether the verdict holds, not that the numbers repeat. Nothing
is published; the memory of earlier runs is what the recorded run recalled, and nothing is added.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ciopt.agent import MemoryItem, ReplayModel, recorded_calls
from ciopt.errors import ConfigError
from ciopt.flows.memory import Recorded
from ciopt.flows.optimize import optimize_request
from ciopt.flows.session import Session
from ciopt.trace import TraceFile, read_trace
from ciopt.verdict import Verdict

__all__ = ["Recording", "Replayed", "read_recording", "replay_run"]


@dataclass(frozen=True)
class Recording:
    """A ``ciopt run``'s trace, read and checked to be replayable."""

    trace: TraceFile
    config: dict[str, Any]  # the run.config event: settings, request_text, base
    model: ReplayModel

    @property
    def repo(self) -> Path:
        return Path(str(self.trace.header.get("repo") or "."))

    @property
    def recalled(self) -> list[MemoryItem]:
        """The memory items the recorded run recalled (its ``memory.retrieved`` event)."""
        found = [
            e.get("attrs") or {} for e in self.trace.events if e.get("name") == "memory.retrieved"
        ]
        return [MemoryItem.model_validate(item) for a in found for item in a.get("recalled") or []]

    @property
    def discovered(self) -> tuple[str, ...]:
        """The targets the recorded run discovered (its ``discovery`` event), when its request
        named none: a replay runs them again, not what a new profile would pick."""
        found = [e.get("attrs") or {} for e in self.trace.events if e.get("name") == "discovery"]
        return tuple(str(t) for t in found[-1].get("targets") or ()) if found else ()

    def settings(self, *, out: Path, python: str | None) -> dict[str, Any]:
        """The recorded run's settings, at its base commit, publishing nowhere."""
        recorded: dict[str, Any] = self.config["settings"]
        return {
            **recorded,
            "base": self.config["base"],
            "forge": "none",
            "trace_sinks": [],  # nor is its trace sent anywhere
            "out": out,
            "python": python or recorded.get("python"),
        }


@dataclass(frozen=True)
class Replayed:
    same: bool  # the verdict and every candidate's fate reproduced
    recorded: tuple[str, str]  # the recorded verdict and reason
    verdict: Verdict
    rows: list[dict[str, str]]  # each candidate: id, now, then


def read_recording(path: Path) -> Recording:
    """The trace at ``path``; refusing traces that cannot be replayed."""
    trace = read_trace(path)
    if trace.header.get("command") != "run":
        raise ConfigError(
            f"{path} is the trace of `ciopt {trace.header.get('command')}`; only the traces "
            "of `ciopt run` hold model replies to replay"
        )
    if trace.capture != "full":
        raise ConfigError(
            f"{path} was recorded with content_capture={trace.capture}: it holds hashes, not "
            "the model's replies, so it cannot be replayed; record with content_capture=full"
        )
    found = [e.get("attrs") or {} for e in trace.events if e.get("name") == "run.config"]
    if not found or not isinstance(found[-1].get("settings"), dict):
        raise ConfigError(
            f"{path} has no run.config event (the run stopped before it started, or an older "
            "ciopt wrote it); there is nothing to replay"
        )
    return Recording(trace, dict(found[-1]), ReplayModel(recorded_calls(trace), path.name))


def replay_run(session: Session, recording: Recording, repo: Path) -> Replayed:
    """The recorded request run again in ``repo``, and its fates set beside the recorded ones."""
    model = recording.model
    verdict = optimize_request(
        session,
        lambda: str(recording.config["request_text"]),
        repo,
        models=lambda s: {"default": model, **dict.fromkeys(s.model_roles, model)},
        memory=lambda *_: Recorded(recording.recalled),
        defaults={"targets": recording.discovered} if recording.discovered else None,
    )
    recorded = recording.trace.verdict or ("?", "?")
    then = {str(c.number): f"{c.outcome} ({c.reason})" for c in recording.trace.candidates}
    now = {str(c.id): f"{c.outcome} ({c.reason})" for c in verdict.candidates}
    rows = [
        {"id": key, "now": now.get(key, "-"), "then": then.get(key, "-")}
        for key in dict.fromkeys([*then, *now])
    ]
    same = recorded == (verdict.verdict, verdict.reason) and then == now
    return Replayed(same, recorded, verdict, rows)
