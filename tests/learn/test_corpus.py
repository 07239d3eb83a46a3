"""The task corpus: tasks loaded and selected, their errors in one line, the suite's hash, and a
task made a repository whose commit is the same everywhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciopt.errors import ConfigError
from ciopt.learn import commit_all, load_suite, materialize
from tests.helpers import git
from tests.learn.tasks import write_corpus


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    return write_corpus(tmp_path / "corpus")


def test_tasks_are_loaded_in_name_order_with_their_fields(corpus: Path) -> None:
    suite = load_suite(corpus)
    assert [t.name for t in suite.tasks] == ["common", "dedupe"]
    dedupe = suite.tasks[1]
    assert (dedupe.split, dedupe.kind) == ("train", "algorithm")
    assert dedupe.slow.startswith("Each item is looked for in the output list")
    assert (dedupe.target_path, dedupe.qualname) == ("src/tinyd/core.py", "dedupe")
    assert (dedupe.reference_ratio, dedupe.trap, dedupe.trap_caught_by) == (0.05, "order", "tests")
    assert dedupe.root == corpus / "dedupe"
    assert suite.tasks[0].slow == "" and suite.tasks[0].trap is None
    assert dedupe.request(3) == (
        "target=src/tinyd/core.py::dedupe bench=benchmarks/test_bench_core.py candidates=3"
    )
    assert "return list(dict.fromkeys(items))" in dedupe.reply("reference")
    assert "sorted(set(items))" in dedupe.reply("trap")


def test_a_split_or_names_select_tasks(corpus: Path) -> None:
    assert [t.name for t in load_suite(corpus, split="holdout").tasks] == ["common"]
    assert [t.name for t in load_suite(corpus, names=["dedupe"]).tasks] == ["dedupe"]
    assert load_suite(corpus, split="train", names=["dedupe", "common"]).tasks[0].name == "dedupe"


def _error(root: Path, **selection: object) -> str:
    with pytest.raises(ConfigError) as caught:
        load_suite(root, **selection)  # type: ignore[arg-type]
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_each_problem_is_one_line_that_names_it(corpus: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    assert _error(missing) == f"task corpus {missing} is not a folder; give the folder of the tasks"
    (tmp_path / "empty").mkdir()
    assert "no task in" in _error(tmp_path / "empty")
    assert _error(corpus, names=["nope"]) == f"no task nope in {corpus} (tasks: common, dedupe)"
    assert _error(corpus, split="holdout", names=["dedupe"]).startswith("no holdout task in")
    toml = corpus / "common" / "task.toml"
    text = toml.read_text()
    toml.write_text(text.replace('split = "holdout"', 'split = "test"'))
    assert _error(corpus).startswith(f"{toml}: split: Input should be 'train' or 'holdout'")
    toml.write_text(text + "colour = 3\n")
    assert _error(corpus) == f"{toml}: colour: Extra inputs are not permitted"
    toml.write_text(text + "name = \n")
    assert _error(corpus).startswith(f"{toml} is not valid TOML: ")
    toml.write_text(text.replace('name = "common"', 'name = "other"'))
    assert _error(corpus) == f"{toml}: name 'other' is not its folder's name 'common'"
    toml.write_text(text.replace("tinyc/core.py", "tinyc/gone.py"))
    assert "target src/tinyc/gone.py does not exist in" in _error(corpus)


def test_the_suite_hash_is_stable_and_follows_every_file(corpus: Path, tmp_path: Path) -> None:
    first = load_suite(corpus).hash
    assert load_suite(write_corpus(tmp_path / "elsewhere")).hash == first  # paths are relative
    scratch = corpus / "dedupe" / "project" / "src" / "tinyd" / "__pycache__"
    scratch.mkdir()
    (scratch / "core.cpython-311.pyc").write_bytes(b"\0")
    assert load_suite(corpus).hash == first  # what running the tests leaves is not the task
    assert load_suite(corpus, names=["dedupe"]).hash != first  # a selection hashes its own
    before = load_suite(corpus, names=["dedupe"]).hash
    reference = corpus / "dedupe" / "reference.py"
    reference.write_text(reference.read_text() + "# faster\n")
    assert load_suite(corpus).hash != first
    assert load_suite(corpus, names=["dedupe"]).hash != before


def test_materialize_makes_one_commit_with_the_same_sha_everywhere(
    corpus: Path, tmp_path: Path
) -> None:
    task = load_suite(corpus, names=["dedupe"]).tasks[0]
    (task.project / ".pytest_cache").mkdir()
    (task.project / ".pytest_cache" / "x").write_text("scratch")
    one = materialize(task, tmp_path / "one")
    two = materialize(task, tmp_path / "two" / "dedupe")
    sha = git(one, "rev-parse", "HEAD")
    assert git(two, "rev-parse", "HEAD") == sha
    assert git(one, "branch", "--show-current") == "main"
    assert git(one, "status", "--porcelain") == ""
    assert git(one, "log", "--format=%an <%ae> %aI|%cn %cI|%s") == (
        "ciopt eval <eval@ciopt.invalid> 2026-01-01T00:00:00+00:00|ciopt eval "
        "2026-01-01T00:00:00+00:00|dedupe: the task's project"
    )
    files = git(one, "ls-files").splitlines()
    assert "src/tinyd/core.py" in files and not any(".pytest_cache" in f for f in files)
    (one / "NOTE").write_text("more\n")
    second = commit_all(one, "a second commit")
    assert git(one, "rev-parse", "HEAD~1") == sha and git(one, "rev-parse", "HEAD") == second
