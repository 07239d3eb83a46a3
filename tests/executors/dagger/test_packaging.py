from __future__ import annotations

from pathlib import Path

from ciopt.executors.dagger.packaging import packaging_files, packaging_hash, pip_volume


def test_the_packaging_hash_reads_the_packaging_files_only(tmp_path: Path) -> None:
    (tmp_path / "src" / "pkg").mkdir(parents=True)
    (tmp_path / "requirements").mkdir()
    files = {
        "pyproject.toml": "[project]\n",
        "uv.lock": "version = 1\n",
        "requirements-dev.txt": "pytest\n",
        "requirements/base.txt": "numpy\n",
        "src/pkg/mod.py": "x = 1\n",
        "README.md": "hello\n",
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    assert packaging_files(tmp_path) == [
        "pyproject.toml",
        "requirements-dev.txt",
        "requirements/base.txt",
        "uv.lock",
    ]
    before = packaging_hash(tmp_path)
    (tmp_path / "src" / "pkg" / "mod.py").write_text("x = 2\n")  # a candidate's change
    (tmp_path / "README.md").write_text("changed\n")
    assert packaging_hash(tmp_path) == before
    (tmp_path / "requirements" / "base.txt").write_text("numpy\nscipy\n")
    assert packaging_hash(tmp_path) != before
    assert pip_volume("ciopt-pip", before) == f"ciopt-pip-{before[:16]}"
