"""The progress without a terminal, as a CI log shows it: one timestamped line per step and per
fate, the steps folded into GitHub groups or GitLab sections that open and close; and no text
a model or a stranger wrote ever becomes a workflow command or a section marker."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from ciopt.commands.display import Follower, Lines, ci_style, escape
from tests.commands.display.records import records
from tests.helpers import EXAMPLES

TIME = r"\d\d:\d\d:\d\d "
FATE = re.compile(TIME + r"candidate (\d+) of (\d+): (\w+) \((\w+)\)")
GITLAB_START = re.compile(
    r"^\x1b\[0Ksection_start:(\d+):(ciopt_\d+_[A-Za-z0-9_.-]+)\[collapsed=true\]\r\x1b\[0K(.+)$"
)
GITLAB_END = re.compile(r"^\x1b\[0Ksection_end:(\d+):(ciopt_\d+_[A-Za-z0-9_.-]+)\r\x1b\[0K$")


def _log(tmp_path: Path, style: str) -> str:
    stream = io.StringIO()
    follower, lines = Follower(), Lines(stream, style)
    for record in records(tmp_path):
        lines.show(follower.feed(record))
    lines.show(follower.close())
    lines.close()
    return stream.getvalue()


def github_groups(log: str) -> list[tuple[str, list[str]]]:
    """Each ``::group::`` with its lines; asserts that groups open and close in turn and that
    nothing else is a workflow command."""
    groups: list[tuple[str, list[str]]] = []
    inside: list[str] | None = None
    for line in _lines(log):
        if line.startswith("::group::"):
            assert inside is None, "a group opened inside another"
            inside = []
            groups.append((line.removeprefix("::group::"), inside))
        elif line == "::endgroup::":
            assert inside is not None, "a group closed that was not open"
            inside = None
        else:
            assert re.match(TIME, line), f"not a progress line: {line!r}"
            assert not line.lstrip().startswith(("::", "##[")), line
            if inside is not None:
                inside.append(line)
    assert inside is None, "a group was left open"
    return groups


def gitlab_sections(log: str) -> list[tuple[str, list[str]]]:
    """Each section with its lines; asserts that sections open and close in turn (the same
    name, the end no earlier than the start) and that no other line holds an escape."""
    sections: list[tuple[str, list[str]]] = []
    inside: tuple[str, int, list[str]] | None = None
    for line in _lines(log):
        start, end = GITLAB_START.match(line), GITLAB_END.match(line)
        if start:
            assert inside is None, "a section opened inside another"
            inside = (start[2], int(start[1]), [])
            sections.append((start[3], inside[2]))
        elif end:
            assert inside is not None and end[2] == inside[0], line
            assert int(end[1]) >= inside[1]
            inside = None
        else:
            assert re.match(TIME, line) and "\x1b" not in line and "\r" not in line, repr(line)
            if inside is not None:
                inside[2].append(line)
    assert inside is None, "a section was left open"
    return sections


def _lines(log: str) -> list[str]:
    """The log's lines: split at line feeds only (a section marker holds a carriage return)."""
    return log.removesuffix("\n").split("\n")


def _fates(log: str) -> list[tuple[int, str, str]]:
    return [(int(m[1]), m[3], m[4]) for m in map(FATE.match, _lines(log)) if m]


def test_github_groups_open_and_close_with_one_line_per_fate_outside_them(
    tmp_path: Path,
) -> None:
    log = _log(tmp_path, "github")
    groups = github_groups(log)
    titles = [title for title, _ in groups]
    assert titles == ["request", "baseline", "candidate 1 of 2", "candidate 2 of 2", "publish"]
    assert _fates(log) == [(1, "rejected", "not_applied"), (2, "faster", "verified_faster")]
    assert not any(FATE.match(line) for _, lines in groups for line in lines)
    measured = dict(groups)["candidate 2 of 2"]
    assert [line[9:] for line in measured if "measure: " in line] == [
        "measure: 5 rounds, 0.25 of the time budget, ratio 0.6 (0.4-1.1): inconclusive",
        "measure: 10 rounds, 0.50 of the time budget, ratio 0.5 (0.45-0.55): faster",
    ]


def test_github_escapes_what_a_model_wrote(tmp_path: Path) -> None:
    log = _log(tmp_path, "github")
    github_groups(log)  # no line of it is a command
    assert "\r" not in log and "\x1b" not in log and "\x07" not in log
    assert "::set-output" in log  # kept, as text inside a line
    fate = next(line for line in _lines(log) if FATE.match(line))
    assert "%0D%0A::set-output name=verdict::faster%0A::error::pwned %250A::warning::two" in fate


def test_gitlab_sections_open_and_close_with_one_line_per_fate_outside_them(
    tmp_path: Path,
) -> None:
    log = _log(tmp_path, "gitlab")
    sections = gitlab_sections(log)
    titles = [title for title, _ in sections]
    assert titles == ["request", "baseline", "candidate 1 of 2", "candidate 2 of 2", "publish"]
    assert _fates(log) == [(1, "rejected", "not_applied"), (2, "faster", "verified_faster")]
    names = re.findall(r"\x1b\[0Ksection_start:\d+:(\S+?)\[", log)
    assert len(set(names)) == len(names) == 5  # unique names, so no section closes another's
    assert log.count("section_start:") == 5 + 3  # the model's, thrice: text without its escape


def test_plain_lines_have_a_heading_per_group_and_no_escapes(tmp_path: Path) -> None:
    log = _log(tmp_path, "plain")
    assert all(re.match(TIME, line) for line in _lines(log))
    assert re.search(TIME + "-- candidate 2 of 2\n", log)
    assert "\x1b" not in log and "\r" not in log
    assert _fates(log) == [(1, "rejected", "not_applied"), (2, "faster", "verified_faster")]


@pytest.mark.parametrize(
    ("text", "style", "said"),
    [
        ("50% done\r\nnext", "github", "50%25 done%0D%0Anext"),
        ("::error::x", "github", "\u200b::error::x"),
        ("a\nb\x1b[31mred\x1b[0m", "gitlab", "a\\nb[31mred[0m"),
        ("tab\tkept \u202eevil", "plain", "tab\tkept evil"),
    ],
)
def test_escape(text: str, style: str, said: str) -> None:
    assert escape(text, style) == said


def test_long_text_is_cut() -> None:
    assert len(escape("x" * 10_000, "plain")) == 400


@pytest.mark.parametrize(
    ("environ", "style"),
    [
        ({"GITHUB_ACTIONS": "true", "CI": "true"}, "github"),
        ({"GITLAB_CI": "true", "CI": "true"}, "gitlab"),
        ({"CI": "true"}, "plain"),
        ({}, "plain"),
    ],
)
def test_the_ci_is_told_by_its_variables(environ: dict[str, str], style: str) -> None:
    assert ci_style(environ) == style


# -- the CI form of a real run: the demo, its stderr a pipe ---------------------------------------


def _ci_run(
    repo: Path, python: str, out: Path, ci: dict[str, str], *more: str
) -> subprocess.CompletedProcess[str]:
    # no CI's variables but those given (CI, CI_*, CIOPT_* settings among the removed)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GITHUB_", "GITLAB_", "CI"))}
    done = subprocess.run(
        [sys.executable, "-m", "ciopt", "run", "--repo", str(repo),
         "--request-file", str(EXAMPLES / "requests" / "textkit-dedupe.txt"),
         "--model", f"scripted:{EXAMPLES / 'scripted' / 'textkit-dedupe.jsonl'}",
         "--python", python, "--out", str(out), "--json", *more],
        env={**env, **ci},
        capture_output=True,
        check=False,
        timeout=900,
    )  # fmt: skip
    # decoded as is: text mode would turn a section marker's carriage return into a line feed
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


@pytest.mark.e2e
def test_the_demo_in_github_actions_logs_a_group_per_step_and_a_line_per_fate(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    done = _ci_run(example_repo, client_python, out, {"GITHUB_ACTIONS": "true", "CI": "true"})
    assert done.returncode == 0, done.stderr
    # --json: stdout is verdict.json, as written; the summary went to stderr
    assert done.stdout == (out / "verdict.json").read_text()
    verdict = json.loads(done.stdout)
    lines = done.stderr.splitlines()
    assert lines[-1].startswith(f"  results: {out}/ (verdict.json")
    first = lines.index(next(line for line in lines if line.startswith("ciopt: faster")))
    log = "\n".join(line for line in lines[:first] if not line.startswith("ciopt: executor"))
    groups = github_groups(log)
    assert [title for title, _ in groups] == [
        "request",
        "baseline",
        *(f"candidate {n} of 4" for n in range(1, 5)),
        "publish",
    ]
    fates = [(c["id"], c["outcome"], c["reason"]) for c in verdict["candidates"]]
    assert _fates(log) == fates
    assert fates == [
        (1, "rejected", "not_applied"),
        (2, "rejected", "tests_failed"),
        (3, "slower", "not_faster"),
        (4, "faster", "verified_faster"),
    ]
    steps = dict(groups)
    assert any("run the tests: 35 passed" in line for line in steps["baseline"])
    looks = [line[9:] for line in steps["candidate 4 of 4"] if line[9:].startswith("measure: ")]
    assert looks and all(" rounds, " in look and ", ratio " in look for look in looks)
    assert any("budget: model calls 4/12" in line for line in steps["candidate 4 of 4"])


@pytest.mark.e2e
def test_the_demo_in_gitlab_ci_logs_a_section_per_step_and_a_line_per_fate(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    ci = {"GITLAB_CI": "true", "CI": "true"}
    done = _ci_run(example_repo, client_python, out, ci, "--candidates", "2")
    assert done.returncode == 0, done.stderr
    assert done.stdout == (out / "verdict.json").read_text()
    verdict = json.loads(done.stdout)
    log = "\n".join(line for line in _lines(done.stderr) if re.match(TIME, line) or "\x1b" in line)
    sections = gitlab_sections(log)
    assert [title for title, _ in sections] == [
        "request",
        "baseline",
        "candidate 1 of 2",
        "candidate 2 of 2",
        "publish",  # nothing won: the report is published, no branch
    ]
    fates = [(c["id"], c["outcome"], c["reason"]) for c in verdict["candidates"]]
    assert _fates(log) == fates == [(1, "rejected", "not_applied"), (2, "rejected", "tests_failed")]
