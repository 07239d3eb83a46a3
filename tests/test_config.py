from __future__ import annotations

import os
from pathlib import Path

import pytest

from ciopt.config import Limits, OtlpSinkSettings, S3SinkSettings, Settings, load_settings
from ciopt.errors import ConfigError, RequestError


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No CIOPT_* variable from the outer environment, and no pyproject.toml in the cwd."""
    for name in list(os.environ):
        if name.startswith("CIOPT_"):
            monkeypatch.delenv(name)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    path = tmp_path / "repo"
    path.mkdir()
    return path


def write_pyproject(repo: Path, body: str) -> None:
    (repo / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1"\n\n[tool.ruff]\nline-length = 90\n\n' + body
    )


def write_ciopt_toml(repo: Path, body: str) -> None:
    (repo / ".ciopt.toml").write_text(body)


def test_defaults_without_repo() -> None:
    settings = load_settings(None)
    assert isinstance(settings, Settings)
    assert settings.rounds == 200
    assert settings.model is None
    assert settings.limits == Limits()


def test_defaults_for_repo_without_config(repo: Path) -> None:
    settings = load_settings(repo)
    assert settings.rounds == 200
    assert settings.limits == Limits()


def test_pyproject_tool_ciopt_overrides_defaults(repo: Path) -> None:
    write_pyproject(
        repo, '[tool.ciopt]\nrounds = 7\nmodel = "pp"\n[tool.ciopt.limits]\nllm_calls = 9\n'
    )
    settings = load_settings(repo)
    assert settings.rounds == 7
    assert settings.model == "pp"
    assert settings.limits.llm_calls == 9
    assert settings.limits.cost_usd == Limits().cost_usd


def test_pyproject_without_tool_ciopt_is_ignored(repo: Path) -> None:
    write_pyproject(repo, "")
    assert load_settings(repo).rounds == 200


def test_ciopt_toml_overrides_pyproject(repo: Path) -> None:
    write_pyproject(
        repo, "[tool.ciopt]\nrounds = 7\nseed = 3\n[tool.ciopt.limits]\ncost_usd = 3.0\n"
    )
    write_ciopt_toml(repo, "rounds = 8\n[limits]\nllm_calls = 2\n")
    settings = load_settings(repo)
    assert settings.rounds == 8
    assert settings.seed == 3  # only in pyproject: still applies
    assert settings.limits.llm_calls == 2
    assert settings.limits.cost_usd == 3.0  # nested tables merge


def test_env_overrides_ciopt_toml(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_ciopt_toml(repo, 'rounds = 8\nmodel = "toml"\n')
    monkeypatch.setenv("CIOPT_ROUNDS", "9")
    settings = load_settings(repo)
    assert settings.rounds == 9
    assert settings.model == "toml"


def test_nested_env_limit_merges_with_files(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_pyproject(repo, "[tool.ciopt.limits]\ncost_usd = 3.0\nllm_calls = 9\n")
    write_ciopt_toml(repo, "[limits]\ncost_usd = 2.0\n")
    monkeypatch.setenv("CIOPT_LIMITS__LLM_CALLS", "3")
    limits = load_settings(repo).limits
    assert limits.llm_calls == 3
    assert limits.cost_usd == 2.0
    assert limits.candidates == Limits().candidates


def test_env_sets_the_subprocess_and_output_limits(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ciopt_toml(repo, "[limits]\nsubprocess_calls = 900\noutput_bytes = 4096\n")
    monkeypatch.setenv("CIOPT_LIMITS__SUBPROCESS_CALLS", "250")
    limits = load_settings(repo).limits
    assert limits.subprocess_calls == 250
    assert limits.output_bytes == 4096
    assert load_settings(repo, limits={"subprocess_calls": 7}).limits.subprocess_calls == 7


def test_zero_subprocess_calls_in_env_is_a_config_error(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CIOPT_LIMITS__SUBPROCESS_CALLS", "0")
    with pytest.raises(ConfigError, match="subprocess_calls"):
        load_settings(repo)


def test_keyword_args_override_env(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_ciopt_toml(repo, "rounds = 8\n")
    monkeypatch.setenv("CIOPT_ROUNDS", "9")
    assert load_settings(repo, rounds=11).rounds == 11


def test_none_keyword_means_not_given(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_ciopt_toml(repo, 'rounds = 8\nmodel = "toml"\n')
    monkeypatch.setenv("CIOPT_ROUNDS", "9")
    settings = load_settings(repo, rounds=None, model=None, seed=None)
    assert settings.rounds == 9
    assert settings.model == "toml"
    assert settings.seed == 0


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ((), None),
        (("pyproject",), "pyproject"),
        (("pyproject", "ciopt_toml"), "ciopt_toml"),
        (("pyproject", "ciopt_toml", "env"), "env"),
        (("pyproject", "ciopt_toml", "env", "kwarg"), "kwarg"),
        (("pyproject", "env"), "env"),
        (("ciopt_toml", "kwarg"), "kwarg"),
    ],
)
def test_precedence_chain(
    repo: Path, monkeypatch: pytest.MonkeyPatch, layers: tuple[str, ...], expected: str | None
) -> None:
    if "pyproject" in layers:
        write_pyproject(repo, '[tool.ciopt]\nmodel = "pyproject"\n')
    if "ciopt_toml" in layers:
        write_ciopt_toml(repo, 'model = "ciopt_toml"\n')
    if "env" in layers:
        monkeypatch.setenv("CIOPT_MODEL", "env")
    kwargs = {"model": "kwarg"} if "kwarg" in layers else {"model": None}
    assert load_settings(repo, **kwargs).model == expected


def test_unknown_key_in_tool_ciopt(repo: Path) -> None:
    write_pyproject(repo, "[tool.ciopt]\nbogus_key = 1\n")
    with pytest.raises(ConfigError) as caught:
        load_settings(repo)
    message = str(caught.value)
    assert "bogus_key" in message
    assert "\n" not in message


def test_unknown_key_in_ciopt_toml(repo: Path) -> None:
    write_ciopt_toml(repo, "[limits]\nllm_callz = 3\n")
    with pytest.raises(ConfigError, match="llm_callz"):
        load_settings(repo)


def test_unknown_keyword(repo: Path) -> None:
    with pytest.raises(ConfigError, match="colour"):
        load_settings(repo, colour="red")


def test_out_of_range_in_pyproject(repo: Path) -> None:
    write_pyproject(repo, "[tool.ciopt]\nrounds = 2\n")
    with pytest.raises(ConfigError, match="rounds") as caught:
        load_settings(repo)
    assert "\n" not in str(caught.value)


def test_out_of_range_in_env(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIOPT_CONFIDENCE", "1.5")
    with pytest.raises(ConfigError, match="confidence"):
        load_settings(repo)


def test_out_of_range_nested_limit(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CIOPT_LIMITS__CANDIDATES", "0")
    with pytest.raises(ConfigError, match="candidates"):
        load_settings(repo)


@pytest.mark.parametrize(
    ("key", "value"), [("min_effect", 0.0), ("llm_timeout", -1.0), ("content_capture", "all")]
)
def test_out_of_range_keyword(repo: Path, key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=key):
        load_settings(repo, **{key: value})


def test_config_error_reason() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(None, rounds=1)
    assert caught.value.reason == "bad_config"


# --- Limits.narrowed --------------------------------------------------------------------------


def test_narrowed_lowers() -> None:
    limits, notes = Limits().narrowed(cost_usd=2.0, candidates=2, wall_seconds=60.0)
    assert limits.cost_usd == 2.0
    assert limits.candidates == 2
    assert limits.wall_seconds == 60.0
    assert limits.llm_calls == Limits().llm_calls
    assert notes == []


def test_narrowed_never_raises_and_notes_each_cap() -> None:
    base = Limits(cost_usd=1.0, llm_calls=5)
    limits, notes = base.narrowed(cost_usd=10.0, llm_calls=50, candidates=1)
    assert limits.cost_usd == 1.0
    assert limits.llm_calls == 5
    assert limits.candidates == 1
    assert len(notes) == 2
    cost_note = next(n for n in notes if n.startswith("cost_usd"))
    calls_note = next(n for n in notes if n.startswith("llm_calls"))
    assert "10" in cost_note
    assert "1" in cost_note.split("configured")[1]
    assert "50" in calls_note
    assert "5" in calls_note.split("configured")[1]


def test_narrowed_equal_value_is_not_a_cap() -> None:
    limits, notes = Limits(cost_usd=2.0).narrowed(cost_usd=2.0)
    assert limits.cost_usd == 2.0
    assert notes == []


def test_narrowed_ignores_none_and_leaves_original_alone() -> None:
    base = Limits(cost_usd=3.0)
    limits, notes = base.narrowed(cost_usd=None, llm_calls=None)
    assert limits == base
    assert notes == []
    lowered, _ = base.narrowed(cost_usd=0.5)
    assert lowered.cost_usd == 0.5
    assert base.cost_usd == 3.0


def test_a_request_cannot_narrow_a_limit_below_its_floor() -> None:
    with pytest.raises(RequestError, match="candidates=0"):
        Limits().narrowed(candidates=0)


def test_cli_limits_merge_key_by_key_over_the_repo_files(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.ciopt.limits]\nllm_calls = 3\ncost_usd = 1.5\n")
    settings = load_settings(tmp_path, limits={"candidates": 2})
    assert (settings.limits.llm_calls, settings.limits.cost_usd) == (3, 1.5)
    assert settings.limits.candidates == 2


def test_jira_settings_come_from_the_repo_and_the_environment(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_pyproject(
        repo,
        '[tool.ciopt.jira]\ngroups = ["ciopt-users"]\n'
        'transitions = { running = "In Progress" }\nlabels = { done = "ciopt-done" }\n',
    )
    monkeypatch.setenv("CIOPT_JIRA__PROJECT_ROLES", '["Developers"]')
    jira = load_settings(repo).jira
    assert (jira.groups, jira.project_roles) == (["ciopt-users"], ["Developers"])
    assert jira.transitions == {"running": "In Progress"} and jira.labels == {"done": "ciopt-done"}
    assert (jira.forge, jira.auth, jira.token_variable) == ("auto", "auto", "JIRA_API_TOKEN")


def test_a_jira_state_that_does_not_exist_is_refused(repo: Path) -> None:
    write_ciopt_toml(repo, '[jira]\ntransitions = { started = "In Progress" }\n')
    with pytest.raises(
        ConfigError, match=r"setting 'jira\.transitions\.started.*'running', 'done' or 'failed'"
    ):
        load_settings(repo)


def test_trace_sinks_come_from_the_repo_file_and_the_environment(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_ciopt_toml(
        repo,
        '[[trace_sinks]]\nkind = "otlp"\nendpoint = "https://otel.example.com"\n'
        'headers_from_env = { authorization = "OTEL_AUTH" }\n\n'
        '[[trace_sinks]]\nkind = "s3"\nbucket = "ciopt-traces"\n'
        'endpoint_url = "http://minio:9000"\n',
    )
    otlp, s3 = load_settings(repo).trace_sinks
    assert isinstance(otlp, OtlpSinkSettings) and isinstance(s3, S3SinkSettings)
    assert (otlp.kind, otlp.endpoint, otlp.headers_from_env) == (
        "otlp",
        "https://otel.example.com",
        {"authorization": "OTEL_AUTH"},
    )
    assert (otlp.timeout_s, otlp.retries) == (10.0, 1)
    assert (s3.kind, s3.bucket, s3.prefix, s3.endpoint_url) == (
        "s3",
        "ciopt-traces",
        "ciopt",
        "http://minio:9000",
    )
    assert Settings().trace_sinks == []
    monkeypatch.setenv("CIOPT_TRACE_SINKS", '[{"kind": "s3", "bucket": "other"}]')
    [only] = load_settings(repo).trace_sinks
    assert isinstance(only, S3SinkSettings) and only.bucket == "other"


@pytest.mark.parametrize(
    ("sink", "said"),
    [
        ('kind = "kafka"', r"setting 'trace_sinks\.0': Input tag 'kafka'"),
        ('kind = "otlp"\nendpoint = "collector:4318"', r"trace_sinks\.0\.otlp\.endpoint"),
        ('kind = "s3"\nbucket = "Bad_Bucket"', r"trace_sinks\.0\.s3\.bucket"),
        ('kind = "s3"\nbucket = "b-1"\nprefix = "../up"', r"trace_sinks\.0\.s3\.prefix"),
        ('kind = "s3"\nbucket = "b-1"\nsecret_access_key = "x"', r"secret_access_key"),
        (
            'kind = "otlp"\nendpoint = "http://c"\nheaders_from_env = { a = "$(id)" }',
            r"trace_sinks\.0\.otlp\.headers_from_env\.a",
        ),
    ],
)
def test_a_trace_sink_that_does_not_make_sense_is_refused(repo: Path, sink: str, said: str) -> None:
    write_ciopt_toml(repo, f"[[trace_sinks]]\n{sink}\n")
    with pytest.raises(ConfigError, match=said):
        load_settings(repo)
