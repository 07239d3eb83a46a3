"""The output folder (the CI artifact): verdict.json, report.md, patch.diff, discovery.json,
trace.jsonl, bench/."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from ciopt.trace import Delivery, Redactor
from ciopt.verdict import Discovery, Verdict

__all__ = ["OutputDir", "results_line"]

RESULTS = (  # what a command writes, in the order people read it
    "verdict.json",
    "plan.json",
    "unit.json",
    "gather.json",
    "report.md",
    "patch.diff",
    "discovery.json",
)
TRACES = ("trace.jsonl", "trace.otlp.jsonl", "trace.html")

# what opening the folder clears: an earlier run's files (calibration.json stays there, as before)
ARTIFACTS = (*RESULTS, *TRACES)
# what the ``results:`` line names, when present
SHOWN = (*RESULTS, "calibration.json", *TRACES, "bench", "work")


class OutputDir:
    """One run's output folder. Opening it clears what an earlier run left there.

    Everything written passes through the redactor; ``on_write`` is called with the size of each
    file written (the budget's ``output_bytes``).

    ``work`` holds what the client's processes hand back: probe files, the profile, and the
    pickled recordings of calls, which hold the arguments your tests passed (a database
    password among them, perhaps) as pickles that redaction cannot rewrite safely. It is a
    temporary folder outside the output folder, so it never reaches the CI artifact, and
    ``close`` removes it; with ``keep_work`` it is ``work/`` in the output folder, for debugging.
    Nothing else reads it after the run: ``ciopt replay`` needs only ``trace.jsonl``.
    """

    def __init__(
        self, path: Path, redactor: Redactor | None = None, *, keep_work: bool = False
    ) -> None:
        self.path = path = path.resolve()
        self.redactor = redactor or Redactor()
        path.mkdir(parents=True, exist_ok=True)
        for name in ARTIFACTS:
            (path / name).unlink(missing_ok=True)
        shutil.rmtree(path / "bench", ignore_errors=True)
        shutil.rmtree(path / "work", ignore_errors=True)  # an earlier run's, kept or not
        self.bench = path / "bench"
        self.bench.mkdir()
        self.keep_work = keep_work
        if keep_work:
            self.work = path / "work"
            self.work.mkdir()
        else:
            self.work = Path(tempfile.mkdtemp(prefix="ciopt-work-"))
        self.on_write: Callable[[int], None] | None = None

    def owned(self) -> list[Path]:
        """What ciopt wrote here: the artifacts, ``bench/`` and a kept ``work/`` (the folder may
        hold other things, e.g. with ``--out .``)."""
        kept = (self.work,) if self.keep_work else ()
        return [p for p in (*(self.path / n for n in ARTIFACTS), self.bench, *kept) if p.exists()]

    def close(self) -> None:
        """Remove the temporary ``work`` folder (a kept one stays)."""
        if not self.keep_work:
            shutil.rmtree(self.work, ignore_errors=True)

    @property
    def trace(self) -> Path:
        return self.path / "trace.jsonl"

    @property
    def otlp(self) -> Path:
        return self.path / "trace.otlp.jsonl"

    @property
    def html(self) -> Path:
        return self.path / "trace.html"

    def write_verdict(self, verdict: Verdict) -> Path:
        return self._write("verdict.json", verdict.to_json())

    def write_report(self, text: str) -> Path:
        return self._write("report.md", text)

    def write_patch(self, diff: str) -> Path:
        return self._write("patch.diff", diff)

    def write_discovery(self, discovery: Discovery) -> Path:
        return self._write("discovery.json", discovery.to_json())

    def write(self, name: str, text: str) -> Path:
        """Another file of the folder (``plan.json``, ``unit.json``, ...), redacted as all."""
        return self._write(name, text)

    def _write(self, name: str, text: str) -> Path:
        target = self.path / name
        tmp = target.with_suffix(target.suffix + ".tmp")
        data = self.redactor.text(text).encode("utf-8")
        tmp.write_bytes(data)
        tmp.replace(target)
        if self.on_write is not None:
            self.on_write(len(data))
        return target


def results_line(out: Path, sent: Sequence[Delivery] = ()) -> str:
    """The line a command prints once its session has closed (the trace's OTLP and HTML copies
    written, the sinks sent): ``results: OUT/ (verdict.json, ..., bench/)``, naming what
    exists, then ``; trace sent to TARGET, ...`` and ``; trace not sent to TARGET (...)``."""
    present = [name for name in SHOWN if (out / name).exists()]
    names = [f"{name}/" if (out / name).is_dir() else name for name in present]
    line = f"results: {out}/ ({', '.join(names)})"
    received = [d.target for d in sent if d.error is None]
    failed = [d.target for d in sent if d.error is not None]
    if received:
        line += f"; trace sent to {', '.join(received)}"
    if failed:
        line += f"; trace not sent to {', '.join(failed)} (the error is above)"
    return line
