from __future__ import annotations

from pathlib import Path

import pytest

from ciopt.errors import RequestError
from ciopt.git import Git
from ciopt.job.targets import changed_targets
from tests.helpers import git


def _branch_with(repo: Path, files: dict[str, str]) -> tuple[str, str]:
    base = git(repo, "rev-parse", "HEAD")
    git(repo, "checkout", "-qb", "feature")
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "feature")
    return base, git(repo, "rev-parse", "HEAD")


def test_the_functions_a_pull_request_changed_outside_tests(example_repo: Path) -> None:
    tokens = example_repo / "src" / "textkit" / "tokens.py"
    source = tokens.read_text()
    changed = source.replace("def dedupe(", "def helper_added():\n    return 1\n\n\ndef dedupe(", 1)
    base, head = _branch_with(
        example_repo,
        {
            "src/textkit/tokens.py": changed,
            "tests/test_more.py": "def test_x():\n    assert True\n",
            "benchmarks/test_other.py": "def test_b(benchmark):\n    benchmark(len, [])\n",
        },
    )
    found = changed_targets(Git(example_repo), base, head, limit=5)
    assert found == ["src/textkit/tokens.py::helper_added"]


def test_a_limit_keeps_the_first_ones(example_repo: Path) -> None:
    text = "".join(f"def f{i}():\n    return {i}\n\n\n" for i in range(4))
    base, head = _branch_with(example_repo, {"src/textkit/extra.py": text})
    assert changed_targets(Git(example_repo), base, head, limit=2) == [
        "src/textkit/extra.py::f0",
        "src/textkit/extra.py::f1",
    ]


def test_no_changed_function_is_a_request_error_that_says_what_to_write(example_repo: Path) -> None:
    base, head = _branch_with(example_repo, {"README.extra": "docs\n"})
    with pytest.raises(RequestError, match="/optimize target="):
        changed_targets(Git(example_repo), base, head, limit=5)
