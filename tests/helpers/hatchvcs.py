"""A project built the way hatch-vcs and setuptools-scm projects are: its ``_version.py`` is
written at install and ignored by git, so it exists in the checkout and in no commit."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.repo import git

__all__ = ["BENCH", "SLOW_TOTAL", "TARGET", "make_hatch_repo"]

TARGET = "src/hvpkg/core.py::total"
BENCH = "benchmarks/test_bench_core.py"
SLOW_TOTAL = """\
def total(items: list[int]) -> int:
    result = 0
    for item in items:
        result += item
    return result
"""
FILES = {
    "src/hvpkg/__init__.py": (
        "from ._version import __version__\nfrom .core import total\n\n"
        '__all__ = ["__version__", "total"]\n'
    ),
    "src/hvpkg/core.py": SLOW_TOTAL,
    ".gitignore": "src/hvpkg/_version.py\n__pycache__/\n",
    "tests/test_core.py": (
        "from hvpkg import __version__, total\n\n\n"
        "def test_total():\n    assert total([1, 2, 3]) == 6\n    assert total([]) == 0\n\n\n"
        'def test_version():\n    assert __version__ == "1.2.3"\n'
    ),
    BENCH: (
        "from hvpkg import total\n\n\n"
        "def test_total(benchmark):\n    benchmark(total, list(range(3000)))\n"
    ),
}


def make_hatch_repo(dest: Path) -> Path:
    """The project at ``dest``: one commit (tag ``v1``) and the ignored ``_version.py``."""
    for rel, text in FILES.items():
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        (dest / rel).write_text(text)
    git(dest, "init", "--quiet", "--initial-branch=main")
    git(dest, "add", "--all")
    git(dest, "commit", "--quiet", "-m", "hvpkg")
    git(dest, "tag", "v1")
    (dest / "src" / "hvpkg" / "_version.py").write_text('__version__ = "1.2.3"\n')  # the build's
    return dest
