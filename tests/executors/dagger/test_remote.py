"""A remote engine: ``_EXPERIMENTAL_DAGGER_RUNNER_HOST`` (or the ``dagger_engine`` setting) and
``DAGGER_CLOUD_TOKEN`` reach the dagger CLI that ciopt starts, never the code under test.

The CLI here is a stand-in on ``PATH`` that records the environment it was started with and
answers as ``dagger session`` does, with the fake engine's port and token; dagger-io starts it."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ciopt.executors import ExecutorOptions, open_executor, scrubbed_env, unsafe_names
from ciopt.executors.dagger.remote import describe, redact_url
from ciopt.trace import SECRET_NAME, Redactor
from tests.helpers.fake_engine import FakeEngine, HostRunner

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

RUNNER_HOST = "_EXPERIMENTAL_DAGGER_RUNNER_HOST"
CLOUD_TOKEN = "DAGGER_CLOUD_TOKEN"
TOKEN = "dag_ci_" + "t0k3n" * 8
SHOW_ENV = "import json, os, sys; open(sys.argv[1], 'w').write(json.dumps(dict(os.environ)))"


@pytest.fixture
def engine(client_python: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeEngine]:
    """An engine reached through a CLI, not through a ``dagger run`` session."""
    for name in ("DAGGER_SESSION_PORT", "DAGGER_SESSION_TOKEN", RUNNER_HOST, CLOUD_TOKEN):
        monkeypatch.delenv(name, raising=False)
    with FakeEngine(HostRunner(client_python)) as fake:
        yield fake


def fake_cli(folder: Path, engine: FakeEngine) -> Path:
    """A ``dagger`` that writes its environment to ``cli-env.json`` and opens a session on
    ``engine``, until its stdin closes (as dagger-io ends a session)."""
    params = {"port": int(engine.environ()["DAGGER_SESSION_PORT"]), "session_token": engine.token}
    cli = folder / "dagger"
    cli.write_text(
        f"#!{sys.executable}\n"
        "import json, os, sys\n"
        f"open({str(folder / 'cli-env.json')!r}, 'w').write(json.dumps(dict(os.environ)))\n"
        f"print({json.dumps(json.dumps(params))}, flush=True)\n"
        "sys.stdin.read()\n"
    )
    cli.chmod(0o755)
    return cli


@pytest.mark.parametrize(
    ("setting", "from_env", "expected"),
    [
        (
            "tcp://ci:hunter22@dagger-engine:1234",
            "tcp://other:1234",
            "tcp://ci:hunter22@dagger-engine:1234",
        ),
        (None, "tcp://dagger-engine:1234", "tcp://dagger-engine:1234"),
    ],
)
def test_the_engine_variables_reach_the_cli_and_not_the_code_under_test(
    engine: FakeEngine,
    tmp_path: Path,
    client_python: str,
    setting: str | None,
    from_env: str,
    expected: str,
) -> None:
    bin_dir, project = tmp_path / "bin", tmp_path / "project"
    bin_dir.mkdir()
    project.mkdir()
    fake_cli(bin_dir, engine)
    environ = {
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        RUNNER_HOST: from_env,
        CLOUD_TOKEN: TOKEN,
        "LANG": "C.UTF-8",
    }
    options = ExecutorOptions(environ=environ, dagger_engine=setting)
    with open_executor("dagger", options) as opened:
        cli_env = json.loads((bin_dir / "cli-env.json").read_text())
        assert cli_env[RUNNER_HOST] == expected  # the setting over the environment's
        assert cli_env[CLOUD_TOKEN] == TOKEN
        assert RUNNER_HOST not in os.environ and CLOUD_TOKEN not in os.environ  # put back
        assert opened.engine == describe(
            {RUNNER_HOST: expected, CLOUD_TOKEN: TOKEN}, in_session=False
        )
        assert opened.engine is not None and "hunter22" not in opened.engine
        assert opened.engine.startswith("remote engine tcp://")

        # the code under test: whatever the user lists in pass_env, none of them
        env = scrubbed_env(environ, pass_env=[RUNNER_HOST, CLOUD_TOKEN, "DAGGER_SESSION_PORT"])
        assert env == {"PATH": environ["PATH"], "LANG": "C.UTF-8"}
        seen = tmp_path / "out" / "env.json"
        seen.parent.mkdir()
        argv = [client_python, "-c", SHOW_ENV, str(seen)]
        done = opened.run(project, argv, env=env, timeout=60)
        assert done.returncode == 0, done.stderr
    code_env = json.loads(seen.read_text())
    assert not [name for name in code_env if "DAGGER" in name]
    assert TOKEN not in seen.read_text() and "dagger-engine" not in seen.read_text()
    assert not [q for q in engine.queries if TOKEN in q or "dagger-engine" in q]


def test_a_container_refuses_the_engine_variables() -> None:
    """A job that carries them anyway (a bug) is refused before anything reaches the engine."""
    names = [RUNNER_HOST, CLOUD_TOKEN, "DAGGER_SESSION_PORT", "DAGGER_SESSION_TOKEN"]
    assert unsafe_names(dict.fromkeys(names, "x")) == sorted(names)


def test_the_cloud_token_is_a_secret_to_the_redactor() -> None:
    assert SECRET_NAME.search(CLOUD_TOKEN)
    redactor = Redactor.from_environ({CLOUD_TOKEN: TOKEN})
    assert TOKEN not in redactor.text(f"dagger: login with {TOKEN} failed")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("tcp://dagger-engine:1234", "tcp://dagger-engine:1234"),
        ("tcp://ci:hunter22@dagger-engine:1234", "tcp://***@dagger-engine:1234"),
        (
            "kube-pod://dagger-0?namespace=ci&token=abc123",
            "kube-pod://dagger-0?namespace=ci&token=***",
        ),
        ("docker-container://dagger-engine-v0.21.8", "docker-container://dagger-engine-v0.21.8"),
        ("unix:///run/dagger/engine.sock", "unix:///run/dagger/engine.sock"),
    ],
)
def test_an_engines_address_is_shown_without_its_credentials(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_which_engine_in_words() -> None:
    assert describe({}, in_session=False) == "local engine (started by the CLI)"
    assert describe({CLOUD_TOKEN: TOKEN}, in_session=False) == (
        "local engine (started by the CLI), Dagger Cloud"
    )
    assert describe({RUNNER_HOST: "tcp://e:1234"}, in_session=True) == (
        "the engine of the `dagger run` session ciopt runs in"
    )
