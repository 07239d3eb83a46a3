"""Which git-ignored files of the checkout each worktree gets; they never reach a change."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciopt.client import Worktrees
from ciopt.client.include import (
    copy_included,
    default_include,
    included_files,
    select_included,
    top_packages,
)
from ciopt.errors import ConfigError, RequestError
from ciopt.git import Git
from tests.helpers import git


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    """src/pkg (tracked: __init__, core, sub/__init__) with ignored and untracked files beside."""
    repo = tmp_path / "repo"
    tracked = {
        "src/pkg/__init__.py": "from ._version import __version__\n",
        "src/pkg/core.py": "def f():\n    return 1\n",
        "src/pkg/sub/__init__.py": "",
        "src/pkg/sub/mod.py": "def g():\n    return 2\n",
        "tools/gen.py": "",
        ".gitignore": "_version.py\n*.so\n*.txt\n__pycache__/\n.venv/\n_link*.py\n",
    }
    ignored = {
        "src/pkg/_version.py": '__version__ = "1.0"\n',
        "src/pkg/sub/_speed.so": "\x7fELF",
        "src/pkg/notes.txt": "notes\n",
        "src/pkg/__pycache__/core.cpython-311.pyc": "",
        "src/pkg/__pycache__/_version.py": "",
        ".venv/lib/site.py": "",
        "tools/_version.py": "",  # in no package
    }
    for rel, text in {**tracked, **ignored}.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "init", "--quiet")
    git(repo, "add", "--all")
    git(repo, "commit", "--quiet", "-m", "pkg")
    (repo / "src/pkg/scratch.py").write_text("")  # untracked, not ignored
    outside = tmp_path / "outside.py"
    outside.write_text("SECRET = 1\n")
    (repo / "src/pkg/_link_out.py").symlink_to(outside)
    (repo / "src/pkg/_link_in.py").symlink_to(repo / "src/pkg/core.py")
    return repo


def test_the_default_is_the_ignored_code_of_the_targets_top_packages(checkout: Path) -> None:
    assert top_packages(checkout, ["src/pkg/sub/mod.py", "tools/gen.py"]) == ["src/pkg"]
    patterns = default_include(checkout, ["src/pkg/sub/mod.py"])
    assert patterns == ["src/pkg/*.py", "src/pkg/*.so", "src/pkg/*.pyd"]
    found = included_files(Git(checkout), None, ["src/pkg/sub/mod.py"])
    # nothing tracked (core.py), untracked but not ignored (scratch.py), under __pycache__, of
    # another kind (notes.txt), outside the package (tools/, .venv/)
    assert found.files == ("src/pkg/_link_in.py", "src/pkg/_version.py", "src/pkg/sub/_speed.so")
    assert found.refused == ("src/pkg/_link_out.py",)  # a symlink that leaves the checkout
    assert found.fields()["files"] == list(found.files)


def test_without_targets_the_projects_packages_are_the_default(checkout: Path) -> None:
    assert default_include(checkout, []) == ["src/pkg/*.py", "src/pkg/*.so", "src/pkg/*.pyd"]


def test_configured_globs_replace_the_default(checkout: Path) -> None:
    git_ = Git(checkout)
    assert select_included(git_, ["src/pkg/notes.txt"]).files == ("src/pkg/notes.txt",)
    assert select_included(git_, ["*.txt"]).files == ("src/pkg/notes.txt",)
    assert select_included(git_, ["src/pkg/sub"]).files == ("src/pkg/sub/_speed.so",)  # a folder
    assert select_included(git_, ["tools/_version.py", ".venv/*"]).files == (
        ".venv/lib/site.py",
        "tools/_version.py",
    )
    # tracked files never, whatever the glob says
    assert "src/pkg/core.py" not in select_included(git_, ["src/pkg/*"]).files
    assert included_files(git_, [], ["src/pkg/core.py"]).files == ()  # [] turns copying off


@pytest.mark.parametrize("pattern", ["../elsewhere/*.py", "/etc/passwd", "src/../../x.py", ""])
def test_a_glob_outside_the_repository_is_a_config_error(checkout: Path, pattern: str) -> None:
    with pytest.raises(ConfigError, match="worktree_include"):
        select_included(Git(checkout), [pattern])


def test_a_symlink_out_of_the_worktree_is_not_written_through(
    checkout: Path, tmp_path: Path
) -> None:
    dest = tmp_path / "wt"
    (dest / "src").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (dest / "src" / "pkg").symlink_to(elsewhere)  # as a commit could hold it
    assert copy_included(checkout, dest, ["src/pkg/_version.py"]) == []
    assert list(elsewhere.iterdir()) == []


def test_worktrees_get_the_copies_and_never_commit_or_edit_them(checkout: Path) -> None:
    repo = Git(checkout)
    # a commit whose .gitignore does not ignore _version.py yet: there the copy is untracked
    git(checkout, "checkout", "--quiet", "-b", "old")
    (checkout / ".gitignore").write_text("*.so\n")
    git(checkout, "commit", "--quiet", "-am", "ignore less")
    old = repo.resolve("HEAD")
    git(checkout, "checkout", "--quiet", "-")
    found = included_files(repo, None, ["src/pkg/core.py"])
    with Worktrees(repo, include=found.files) as trees:
        tree = trees.add("c001", old)
        assert (tree / "src/pkg/_version.py").read_text() == '__version__ = "1.0"\n'
        assert (tree / "src/pkg/_link_in.py").read_text() == "def f():\n    return 1\n"
        assert not (tree / "src/pkg/_link_in.py").is_symlink()
        assert not (tree / "src/pkg/_link_out.py").exists()
        with pytest.raises(RequestError, match="not a file of the repository"):
            trees.write(tree, {"src/pkg/_version.py": '__version__ = "9"\n'})
        trees.write(tree, {"src/pkg/core.py": "def f():\n    return 2\n"})
        head = trees.commit(tree, "candidate")
        assert repo.changed_files(old, head) == ["src/pkg/core.py"]


def test_a_file_the_worktrees_commit_tracks_is_not_overwritten(checkout: Path) -> None:
    repo = Git(checkout)
    (checkout / "src/pkg/_version.py").write_text('__version__ = "tracked"\n')
    git(checkout, "add", "--force", "src/pkg/_version.py")
    git(checkout, "commit", "--quiet", "-m", "track the version")
    tracked = repo.resolve("HEAD")
    git(checkout, "rm", "--quiet", "--cached", "src/pkg/_version.py")
    git(checkout, "commit", "--quiet", "-m", "untrack it again")
    (checkout / "src/pkg/_version.py").write_text('__version__ = "checkout"\n')
    with Worktrees(repo, include=("src/pkg/_version.py",)) as trees:
        tree = trees.add("base", tracked)
        assert (tree / "src/pkg/_version.py").read_text() == '__version__ = "tracked"\n'
