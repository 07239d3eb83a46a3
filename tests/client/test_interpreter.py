"""The client's interpreter: tools present, and the worktree's code really is what is imported."""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from ciopt.budget import Ledger
from ciopt.client.interpreter import Client, find_python
from ciopt.config import Limits
from ciopt.errors import BudgetExhausted, EnvironmentProblem
from ciopt.executors import open_executor
from ciopt.verify import run_tests
from tests.helpers import git, local_client


def _client(python: str) -> Client:
    return local_client(python, "textkit.tokens")


def _worktree(repo: Path, tmp_path: Path) -> Path:
    tree = tmp_path / "wt"
    git(repo, "worktree", "add", "--detach", str(tree), "HEAD")
    return tree


def test_tests_run_against_the_worktree(
    example_repo: Path, tmp_path: Path, client_python: str
) -> None:
    tree = _worktree(example_repo, tmp_path)
    run = run_tests(
        _client(client_python), tree, ["tests"], probe_out=tmp_path / "p.json", timeout=120
    )
    assert run.ok
    assert "tests/test_tokens.py::test_dedupe_preserves_order" in " ".join(run.passed)
    probe = json.loads((tmp_path / "p.json").read_text())
    assert probe["modules"]["textkit.tokens"]["file"].startswith(str(tree))


def test_a_shadowing_install_of_the_checkout_is_detected(
    example_repo: Path, tmp_path: Path, client_python: str
) -> None:
    """An old-style editable install (a .pth that puts the checkout first) shadows worktrees."""
    shadowed = tmp_path / "shadowed-venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(shadowed)], check=True)
    client_site = subprocess.run(
        [client_python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    rel = Path(sysconfig.get_paths()["purelib"]).relative_to(sys.prefix)
    site = shadowed / rel
    (site / "client.pth").write_text(client_site + "\n")
    (site / "easy-install.pth").write_text(
        f"import sys; sys.path.insert(0, {str(example_repo / 'src')!r})\n"
    )
    tree = _worktree(example_repo, tmp_path)
    client = _client(str(shadowed / "bin" / "python"))
    with pytest.raises(EnvironmentProblem, match="editable install") as info:
        run_tests(client, tree, ["tests"], probe_out=tmp_path / "p.json", timeout=120)
    assert str(example_repo / "src") in str(info.value)


def test_missing_pytest_benchmark_is_explained(tmp_path: Path) -> None:
    bare = tmp_path / "bare"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(bare)], check=True)
    with pytest.raises(EnvironmentProblem, match="pip install pytest pytest-benchmark"):
        _client(str(bare / "bin" / "python")).check_tools(tmp_path)


def test_find_python_prefers_the_projects_venv(tmp_path: Path) -> None:
    assert find_python(tmp_path, None).endswith("python3")
    venv_python = tmp_path / ".venv" / "bin" / "python"
    venv_python.parent.mkdir(parents=True)
    venv_python.write_text("")
    assert find_python(tmp_path, None) == str(venv_python)
    with pytest.raises(EnvironmentProblem, match="does not exist"):
        find_python(tmp_path, str(tmp_path / "nope"))


def test_a_client_with_a_ledger_charges_each_process_and_stops_at_the_limit(
    tmp_path: Path,
) -> None:
    ledger = Ledger(Limits(subprocess_calls=2))
    client = Client(sys.executable, open_executor("local"), environ={}, ledger=ledger)
    touch = "import pathlib, sys; pathlib.Path(sys.argv[1]).touch()"
    for name in ("one", "two"):
        assert client.run(tmp_path, ["-c", touch, name], timeout=60).ok
    assert ledger.spent["subprocess_calls"] == 2
    with pytest.raises(BudgetExhausted) as caught:
        client.run(tmp_path, ["-c", touch, "three"], timeout=60)
    assert (caught.value.limit, caught.value.spent, caught.value.allowed) == (
        "subprocess_calls",
        2,
        2,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["one", "two"]  # never started
    assert ledger.spent["subprocess_calls"] == 2


def test_a_failing_process_is_charged_too(tmp_path: Path) -> None:
    ledger = Ledger(Limits())
    client = Client(sys.executable, open_executor("local"), environ={}, ledger=ledger)
    assert not client.run(tmp_path, ["-c", "raise SystemExit(3)"], timeout=60).ok
    assert ledger.snapshot()["spent"]["subprocess_calls"] == 1


def test_a_client_without_a_ledger_runs_unmetered(tmp_path: Path) -> None:
    client = Client(sys.executable, open_executor("local"), environ={})
    assert client.ledger is None
    assert client.run(tmp_path, ["-c", "pass"], timeout=60).ok
