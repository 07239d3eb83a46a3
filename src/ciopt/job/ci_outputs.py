"""What a CI job exposes of a finished output folder: step outputs, a dotenv report, a summary.

``collect`` reads ``<out>/verdict.json`` (one request) or ``<out>/*/verdict.json`` (a poll's
requests); a folder without a verdict (ciopt stopped before writing one) reads as verdict
``none``. ``Outputs`` turns what was read into GitHub's ``$GITHUB_OUTPUT`` lines, GitLab's dotenv
report and the Markdown job summary. Values are single lines: the formats have no quoting.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ciopt.report import render_text
from ciopt.verdict import Verdict

__all__ = ["Found", "Outputs", "collect"]

# Which verdict a poll's outputs carry when its requests ended differently: the most telling.
PRECEDENCE = ("faster", "error", "rejected", "inconclusive", "slower", "no_change", "skipped")
SUMMARY_LIMIT = 900_000  # bytes; GitHub takes at most 1 MiB of summary per step
LINE = re.compile(r"[\r\n]+")


class Found(BaseModel):
    """One request's folder and what it holds."""

    folder: str
    verdict: Verdict | None = None
    problem: str | None = None  # why verdict.json could not be read
    report: str = ""  # report.md, as written


class Outputs(BaseModel):
    found: list[Found]
    artifact: str = ""

    @property
    def verdict(self) -> str:
        words = [f.verdict.verdict for f in self.found if f.verdict is not None]
        for word in PRECEDENCE:
            if word in words:
                return word
        return "none"

    @property
    def values(self) -> dict[str, str]:
        verdicts = [f.verdict for f in self.found if f.verdict is not None]
        first = next((v for v in verdicts if v.verdict == self.verdict), None)
        ratio = first.ratio if first is not None and first.ratio is not None else None
        values = {
            "verdict": self.verdict,
            "reason": first.reason if first is not None else "no_verdict",
            "ratio": f"{ratio:.4f}" if ratio is not None else "",
            "pr_url": " ".join(v.pr_url for v in verdicts if v.pr_url),
            "count": str(len(verdicts)),
        }
        return {name: _one_line(value) for name, value in values.items()}

    def github(self) -> str:
        """``$GITHUB_OUTPUT`` lines, the artifact's name among them."""
        values = {**self.values, "artifact": _one_line(self.artifact)}
        return "".join(f"{name}={value}\n" for name, value in values.items())

    def dotenv(self) -> str:
        """A GitLab ``artifacts:reports:dotenv`` file: ``CIOPT_VERDICT=faster``..."""
        return "".join(f"CIOPT_{name.upper()}={value}\n" for name, value in self.values.items())

    def summary(self) -> str:
        text = render_text("summary.md.j2", o=self, values=self.values)
        data = text.encode()
        if len(data) <= SUMMARY_LIMIT:
            return text
        cut = data[:SUMMARY_LIMIT].decode(errors="ignore")
        return cut + "\n\n*(cut here: the whole report is report.md in the artifact)*\n"


def collect(out: Path, artifact: str = "") -> Outputs:
    """The verdicts under ``out``: its own, else its subfolders' (a poll), in name order."""
    if (out / "verdict.json").is_file() or not out.is_dir():
        folders = [out]
    else:
        folders = sorted(p.parent for p in out.glob("*/verdict.json")) or [out]
    return Outputs(found=[_read(folder) for folder in folders], artifact=artifact)


def _read(folder: Path) -> Found:
    found = Found(folder=str(folder))
    path = folder / "verdict.json"
    if not path.is_file():
        found.problem = "ciopt stopped before writing verdict.json: the job's log says why"
        return found
    try:
        found.verdict = Verdict.model_validate_json(path.read_text(encoding="utf-8"))
    except (ValidationError, ValueError, OSError) as exc:
        found.problem = f"verdict.json could not be read: {_one_line(str(exc))[:200]}"
        return found
    report = folder / "report.md"
    if report.is_file():
        found.report = report.read_text(encoding="utf-8", errors="replace")
    return found


def _one_line(text: str) -> str:
    return LINE.sub(" ", text).strip()
