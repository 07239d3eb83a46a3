from __future__ import annotations

import json
import sys
from pathlib import Path

from ciopt.executors import open_executor, scrubbed_env

ENVIRON = {
    "PATH": "/usr/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
    "GITHUB_TOKEN": "ghs_x",
    "GH_TOKEN": "t",
    "OPENAI_API_KEY": "sk-x",
    "CI_JOB_TOKEN": "j",
    "AWS_SECRET_ACCESS_KEY": "a",
    "GITLAB_TOKEN": "g",
    "GITHUB_REPOSITORY": "o/r",
    "CIOPT_MODEL": "m",
    "DATABASE_URL": "postgres://u:p@h/db",
    "MY_SETTING": "1",
}


def test_code_under_test_sees_only_safe_names() -> None:
    env = scrubbed_env(ENVIRON)
    assert env == {"PATH": "/usr/bin", "HOME": "/root", "LANG": "C.UTF-8"}


def test_pass_env_adds_names_but_never_secrets() -> None:
    env = scrubbed_env(
        ENVIRON, ["MY_SETTING", "GITHUB_TOKEN", "OPENAI_API_KEY", "GITHUB_REPOSITORY"]
    )
    assert env["MY_SETTING"] == "1"
    assert not {"GITHUB_TOKEN", "OPENAI_API_KEY", "GITHUB_REPOSITORY"} & set(env)


def test_extra_values_are_set() -> None:
    assert scrubbed_env({}, PYTHONHASHSEED="7") == {"PYTHONHASHSEED": "7"}


def test_local_executor_runs_with_exactly_the_given_environment(tmp_path: Path) -> None:
    executor = open_executor("local")
    code = "import json, os; print(json.dumps(dict(os.environ)))"
    done = executor.run(
        tmp_path, [sys.executable, "-c", code], env=scrubbed_env(ENVIRON), timeout=30
    )
    assert done.ok
    seen = json.loads(done.stdout)
    assert "GITHUB_TOKEN" not in seen and "OPENAI_API_KEY" not in seen
    assert seen["HOME"] == "/root"


def test_local_executor_times_out(tmp_path: Path) -> None:
    done = open_executor("local").run(
        tmp_path, [sys.executable, "-c", "import time; time.sleep(5)"], env={}, timeout=0.5
    )
    assert done.timed_out and not done.ok
