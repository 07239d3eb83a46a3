"""The memory of earlier runs: where it is kept (the repository's git directory, or a branch of
the forge's repository), what a run adds to it (its decoded candidates, redacted, however the
run ends) and what the next run's prompt is told of it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ciopt.agent import MemoryItem, read_lines, to_line
from ciopt.cli import main
from ciopt.client import resolve_target
from ciopt.config import Settings
from ciopt.flows import BranchStore, LocalStore, open_store
from ciopt.flows.memory import FILE, RunMemory
from ciopt.forges import Remote, open_forge
from ciopt.git import Git
from ciopt.trace import Redactor, Tracer
from ciopt.verdict import CandidateRecord
from tests.helpers import BENCH, EXAMPLES, git, prompts

DEMO = (EXAMPLES / "scripted" / "textkit-dedupe.jsonl").read_text().splitlines()
NOT_APPLIED, TESTS_FAIL = DEMO[0], DEMO[1]  # the demo's first two replies, and their fates
SECRET = "hunter2-the-secret-value"
BRANCH = "ciopt-memory"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    (path / "m.py").write_text("def f(xs):\n    return sorted(set(xs))\n")
    git(path, "init", "-q", "-b", "main")
    git(path, "add", "m.py")
    git(path, "commit", "-qm", "base")
    return path


@pytest.fixture
def tracer(tmp_path: Path) -> Iterator[Tracer]:
    traced = Tracer(tmp_path / "trace.jsonl", redactor=Redactor([SECRET]))
    yield traced
    traced.close()


def _memory(tracer: Tracer, store: Any, notes: list[str] | None = None) -> RunMemory:
    return RunMemory(store, Settings(), tracer, [] if notes is None else notes)


def _events(tmp_path: Path, prefix: str = "memory.") -> list[dict[str, Any]]:
    lines = (tmp_path / "trace.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    return [r for r in records if r["type"] == "event" and r["name"].startswith(prefix)]


CANDIDATES = [
    CandidateRecord(id=1, outcome="rejected", reason="malformed_response", message="no edits"),
    CandidateRecord(
        id=2,
        outcome="faster",
        reason="verified_faster",
        message="",
        rationale=f"Sort once with the key {SECRET} cached. Then return.",
        ratio=0.5,
    ),
]


def test_local_memory_is_the_repository_s_own_and_its_worktrees_share_it(repo: Path) -> None:
    git(repo, "worktree", "add", "-q", "--detach", str(repo.parent / "wt"))
    settings = Settings(memory="local")
    store = open_store(settings, Git(repo.parent / "wt"), open_forge("local", settings, {}))
    assert isinstance(store, LocalStore)
    assert store.path == repo / ".git" / "ciopt" / FILE


def test_a_run_keeps_its_decoded_candidates_redacted_and_the_next_one_recalls_them(
    repo: Path, tmp_path: Path, tracer: Tracer
) -> None:
    store = LocalStore(tmp_path / "memory.jsonl")
    targets = [resolve_target(repo, "m.py::f")]
    first = _memory(tracer, store)
    assert first.recall(repo, targets) == []
    first.keep(CANDIDATES, run_id="a" * 32, base="b" * 40, redact=first.tracer.redactor.text)
    (kept,) = read_lines(store.path.read_text()).items  # the undecoded candidate taught nothing
    assert SECRET not in store.path.read_text()
    assert kept.idea.startswith("Sort once with the key [REDACTED:env:")
    assert (kept.fate, kept.ratio, kept.candidate, kept.base) == ("faster", 0.5, 2, "b" * 40)

    with store.path.open("a") as file:
        file.write('{"torn": ')  # a line cut short: skipped, and what follows still reads
    first.keep(CANDIDATES, run_id="c" * 32, base=None, redact=first.tracer.redactor.text)
    read = store.load()
    assert (len(read.items), read.skipped) == (2, 1)

    (repo / "m.py").write_text("def f(xs):\n    return sorted(frozenset(xs))\n")  # other code
    (shown, _) = second = _memory(tracer, store).recall(repo, targets)
    assert shown.earlier and shown.fate == "faster" and "[REDACTED:env:" in shown.idea
    assert len(second) == 2
    retrieved = _events(tmp_path, "memory.retrieved")[-1]["attrs"]
    assert retrieved["count"] == 2 and retrieved["skipped"] == 1 and retrieved["chars"] > 0
    assert [i["id"] for i in retrieved["items"]] == ["cccccccccccc#2", "aaaaaaaaaaaa#2"]
    appended = _events(tmp_path, "memory.appended")
    assert [e["attrs"]["items"][0]["id"] for e in appended] == ["aaaaaaaaaaaa#2", "cccccccccccc#2"]


def test_off_reads_and_writes_nothing(repo: Path, tmp_path: Path, tracer: Tracer) -> None:
    settings = Settings(memory="off")
    assert open_store(settings, Git(repo), open_forge("local", settings, {})) is None
    memory = _memory(tracer, None)
    assert memory.recall(repo, [resolve_target(repo, "m.py::f")]) == []
    memory.keep(CANDIDATES, run_id="a" * 32, base=None, redact=str)
    assert not (repo / ".git" / "ciopt").exists()
    assert _events(tmp_path) == []


def _item(n: int) -> MemoryItem:
    return MemoryItem.model_validate(
        {
            "path": "m.py",
            "qualname": "f",
            "source_sha256": "s",
            "idea": f"idea {n}",
            "fate": "slower: not_faster",
            "when": "2025-06-01T12:00:00+00:00",
            "run_id": f"{n:032d}",
            "candidate": 1,
        }
    )


def test_the_branch_holds_the_file_alone_and_a_push_race_appends_again(tmp_path: Path) -> None:
    bare = tmp_path / "forge.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    remote = Remote(str(bare), user="ciopt", token=None)
    store = BranchStore(lambda: remote, BRANCH)
    assert store.load().items == []  # no branch yet
    store.add([_item(1)])
    assert git(bare, "ls-tree", "--name-only", BRANCH) == FILE
    assert git(bare, "rev-list", "--count", BRANCH) == "1"  # an orphan branch

    seen: list[str | None] = []

    def racing(old: str | None) -> str:
        """Another job pushes while this one appends, the first time."""
        seen.append(old)
        if len(seen) == 1:
            BranchStore(lambda: remote, BRANCH).add([_item(2)])
        return (old or "") + to_line(_item(3)) + "\n"

    remote.commit_file(BRANCH, FILE, racing, "racing")
    assert len(seen) == 2 and "idea 2" in (seen[1] or "")
    assert [i.idea for i in store.load().items] == ["idea 1", "idea 2", "idea 3"]
    parents = git(bare, "rev-list", "--parents", BRANCH).splitlines()
    assert [len(line.split()) for line in parents] == [2, 2, 1]  # one line of history


def test_a_memory_that_cannot_be_reached_is_a_note(
    repo: Path, tmp_path: Path, tracer: Tracer
) -> None:
    settings = Settings(memory="branch")  # the local forge has no remote, and no push_url
    store = open_store(settings, Git(repo), open_forge("local", settings, {}))
    notes: list[str] = []
    memory = _memory(tracer, store, notes)
    assert memory.recall(repo, [resolve_target(repo, "m.py::f")]) == []
    (note,) = notes
    assert note.startswith("the memory of earlier runs (branch) could not be read: memory = ")
    assert "set push_url" in note
    assert _events(tmp_path)[0]["name"] == "memory.failed"


# -- whole runs (the demo's example, its first replies: no measurement) ------------------------


def _run(repo: Path, python: str, out: Path, replies: list[str], candidates: int) -> None:
    script = out.parent / f"{out.name}.jsonl"
    script.write_text("".join(line + "\n" for line in replies))
    main([
        "run", "--repo", str(repo), "--python", python, "--out", str(out), "--executor", "local",
        "--request", f"target=src/textkit/tokens.py::dedupe bench={BENCH} candidates={candidates}",
        "--model", f"scripted:{script}",
    ])  # fmt: skip


def _told(out: Path) -> str:
    """What the run's first proposal was told of earlier runs."""
    signature, messages = prompts(out / "trace.jsonl")[0]
    assert signature == "propose_optimization"
    told = messages[-1]["content"].partition("## What earlier runs tried on this target\n")[2]
    return told.partition("\n\n")[0]


@pytest.fixture
def _brief(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {"GENERATED_EXAMPLES": "0", "BENCH_MAX_TIME": "0.02"}.items():
        monkeypatch.setenv(f"CIOPT_{name}", value)


@pytest.mark.e2e
@pytest.mark.usefixtures("_brief")
def test_a_run_that_fails_after_two_candidates_tells_the_next_run_and_its_replay(
    example_repo: Path, client_python: str, tmp_path: Path
) -> None:
    first = tmp_path / "first"
    _run(example_repo, client_python, first, [NOT_APPLIED, TESTS_FAIL], candidates=3)
    verdict = json.loads((first / "verdict.json").read_text())
    assert (verdict["verdict"], verdict["reason"]) == ("error", "model_exhausted")
    kept = read_lines((example_repo / ".git" / "ciopt" / FILE).read_text()).items
    assert [i.fate for i in kept] == ["rejected: not_applied", "rejected: tests_failed"]
    assert kept[1].idea == (
        "The current implementation rescans the output list for every input item, which is O(n^2)."
    )

    second = tmp_path / "second"
    _run(example_repo, client_python, second, [NOT_APPLIED], candidates=1)
    assert _told(second).splitlines() == [
        f"- {kept[0].idea} (rejected: not_applied)",
        f"- {kept[1].idea} (rejected: tests_failed)",
    ]
    records = [json.loads(line) for line in (second / "trace.jsonl").read_text().splitlines()]
    (retrieved,) = [r["attrs"] for r in records if r.get("name") == "memory.retrieved"]
    assert [i["id"] for i in retrieved["items"]] == [i.id for i in kept]
    assert len(read_lines((example_repo / ".git" / "ciopt" / FILE).read_text()).items) == 3

    # a replay is told what the recorded run was told, and keeps nothing
    main(["replay", str(second / "trace.jsonl"), "--out", str(tmp_path / "replayed")])
    assert _told(tmp_path / "replayed") == _told(second)
    assert len(read_lines((example_repo / ".git" / "ciopt" / FILE).read_text()).items) == 3


@pytest.mark.e2e
@pytest.mark.usefixtures("_brief")
def test_branch_memory_travels_between_clones_through_the_remote(
    remote: Path, client_python: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIOPT_MEMORY", "branch")
    monkeypatch.setenv("CIOPT_PUSH_URL", str(remote))
    clones = [tmp_path / "job1", tmp_path / "job2"]
    for clone in clones:
        git(tmp_path, "clone", "-q", str(remote), str(clone))
    _run(clones[0], client_python, tmp_path / "out1", [TESTS_FAIL], candidates=1)
    _run(clones[1], client_python, tmp_path / "out2", [NOT_APPLIED], candidates=1)
    (told,) = _told(tmp_path / "out2").splitlines()
    assert told.startswith("- The current implementation rescans the output list")
    assert told.endswith("(rejected: tests_failed)")
    assert git(remote, "ls-tree", "--name-only", BRANCH) == FILE
    assert git(remote, "rev-list", "--count", BRANCH) == "2"
    assert not any((clone / ".git" / "ciopt" / FILE).exists() for clone in clones)
