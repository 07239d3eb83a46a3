"""ciopt's own git: an environment with nothing secret in it, and no planted configuration run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from ciopt.errors import RepoError
from ciopt.git import Git, git_env
from tests.helpers import git
from tests.helpers.planted import plain_git, plant

TOKENS = "src/textkit/tokens.py"


def _config(env: dict[str, str]) -> dict[str, str]:
    count = int(env["GIT_CONFIG_COUNT"])
    return {env[f"GIT_CONFIG_KEY_{n}"]: env[f"GIT_CONFIG_VALUE_{n}"] for n in range(count)}


def test_git_env_keeps_nothing_secret_and_no_git_setting_of_the_caller() -> None:
    caller = {
        "PATH": "/usr/bin:/bin",
        "LC_ALL": "C.UTF-8",
        "HOME": "/home/runner",
        "XDG_CONFIG_HOME": "/home/runner/.config",
        "GITHUB_TOKEN": "ghs_secret",
        "OPENAI_API_KEY": "sk-secret",
        "GIT_DIR": "/elsewhere/.git",
        "GIT_CONFIG_SYSTEM": "/planted/system",
        "GIT_CONFIG_PARAMETERS": "'core.fsmonitor'='/planted/script'",
        "GIT_EXTERNAL_DIFF": "/planted/script",
        "GIT_SSH_COMMAND": "/planted/script",
        "GIT_ASKPASS": "/planted/script",
        "HTTPS_PROXY": "http://proxy:3128",
    }
    env = git_env(environ=caller)
    kept = {
        k: v for k, v in env.items() if not k.startswith(("GIT_CONFIG_KEY_", "GIT_CONFIG_VALUE"))
    }
    assert kept == {
        "PATH": "/usr/bin:/bin",
        "LC_ALL": "C.UTF-8",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_CONFIG_COUNT": env["GIT_CONFIG_COUNT"],
    }
    config = _config(env)
    assert config["core.hooksPath"] == "/dev/null" and config["core.fsmonitor"] == "false"
    assert config["credential.helper"] == "" and config["core.askPass"] == ""
    assert config["protocol.allow"] == "never"
    allowed = {k for k, v in config.items() if k.startswith("protocol.") and v != "never"}
    assert allowed == set()

    network = git_env(protocols=("https",), config={"http.extraHeader": "X: y"}, environ=caller)
    assert network["HTTPS_PROXY"] == "http://proxy:3128"
    config = _config(network)
    assert {k for k, v in config.items() if k.startswith("protocol.") and v != "never"} == {
        "protocol.https.allow"
    }
    assert config["http.extraHeader"] == "X: y" and "GITHUB_TOKEN" not in network


def test_planted_configuration_never_runs_on_ciopts_git_calls(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = git(example_repo, "rev-parse", "HEAD")
    source = (example_repo / TOKENS).read_text()
    (example_repo / TOKENS).write_text(source + "# faster\n")
    git(example_repo, "commit", "-qam", "faster")
    head = git(example_repo, "rev-parse", "HEAD")
    planted = plant(example_repo, tmp_path / "plant", monkeypatch)

    repo = Git.open(example_repo / "src")
    assert repo.path == example_repo
    assert repo.resolve("HEAD") == head
    assert repo.dirty_files() == []
    (example_repo / TOKENS).write_text(source)  # status compares content: the clean filter
    assert repo.dirty_files() == [TOKENS]
    repo("checkout", "--", TOKENS)  # the smudge filter, post-checkout
    assert (example_repo / TOKENS).read_text() == source + "# faster\n"
    assert repo.show(base, TOKENS) == source  # no textconv
    patch = repo.diff(base, head)  # no external diff, no diff driver, no textconv
    assert patch.startswith(f"diff --git a/{TOKENS} b/{TOKENS}") and "+# faster" in patch
    assert repo.changed_files(base, head) == [TOKENS]
    # as ciopt's worktrees do: add one, commit in it (hooks, signing, gc), remove it
    tree_path = tmp_path / "tree"
    repo("worktree", "add", "--detach", "--force", str(tree_path), base)
    assert (tree_path / TOKENS).read_text() == source
    tree = Git(tree_path)
    (tree_path / TOKENS).write_text(source + "# candidate\n")
    tree("add", "--all", "--", ".")
    tree("commit", "--quiet", "-m", "candidate")
    candidate = tree("rev-parse", "HEAD")
    repo("branch", "--force", "ciopt/x", candidate)
    repo("worktree", "remove", "--force", str(tree_path))
    repo("worktree", "prune")

    assert planted.fired() == []
    assert plain_git(example_repo, "show", f"{candidate}:{TOKENS}") == (source + "# candidate")
    assert "gpgsig" not in plain_git(example_repo, "cat-file", "commit", candidate)

    # the plant is armed: plain git runs it
    subprocess.run(["git", "status"], cwd=example_repo, capture_output=True, check=False)
    assert planted.fired() == ["env-fsmonitor", "included-filter-process"]


def test_a_failing_call_says_what_failed(example_repo: Path) -> None:
    with pytest.raises(RepoError, match="'nope' is not a commit"):
        Git(example_repo).resolve("nope")
    with pytest.raises(RepoError, match="git frobnicate failed in"):
        Git(example_repo)("frobnicate")
    assert Git(example_repo)("frobnicate", check=False) == ""
    with pytest.raises(RepoError, match="is not a git repository"):
        Git.open(example_repo.parent)


@pytest.mark.skipif(os.geteuid() != 0, reason="giving the checkout to another user needs root")
def test_a_checkout_of_another_owner_opens_only_when_the_ci_marked_it_safe(
    example_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As CI jobs do for a checkout another user made (``git config --global --add
    safe.directory``): that entry of the global configuration is the one ciopt's git keeps."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("GIT_CONFIG_GLOBAL", raising=False)
    head = git(example_repo, "rev-parse", "HEAD")
    subprocess.run(["chown", "-R", "12345:12345", str(example_repo)], check=True)
    with pytest.raises(RepoError, match="is not a git repository"):
        Git.open(example_repo)
    (home / ".gitconfig").write_text(f"[safe]\n\tdirectory = {example_repo}\n")
    assert Git.open(example_repo).resolve("HEAD") == head
