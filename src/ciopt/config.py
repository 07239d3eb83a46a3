"""Settings: CLI flags > ``CIOPT_*`` environment > ``.ciopt.toml`` > ``[tool.ciopt]`` > defaults."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    PyprojectTomlConfigSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from ciopt.errors import ConfigError, RequestError

__all__ = [
    "DEFAULT_IMAGE",
    "JiraSettings",
    "Limits",
    "OtlpSinkSettings",
    "Price",
    "S3SinkSettings",
    "Settings",
    "TraceSinkSettings",
    "load_settings",
]

# The image the client's code runs in when an executor uses containers (``--image``).
DEFAULT_IMAGE = "python:3.12-slim"


class Limits(BaseModel):
    """Every budget ciopt spends; the run stops cleanly at the first one reached."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wall_seconds: float = Field(1800.0, gt=0)
    llm_calls: int = Field(12, ge=0)
    input_tokens: int = Field(400_000, ge=0)
    output_tokens: int = Field(100_000, ge=0)
    cost_usd: float = Field(5.0, ge=0)
    candidates: int = Field(4, ge=1)
    bench_seconds: float = Field(900.0, gt=0)
    subprocess_calls: int = Field(5000, ge=1)  # processes running the client's code
    output_bytes: int = Field(512 * 1024 * 1024, ge=1)  # written into the output folder

    def narrowed(self, **asked: float | None) -> tuple[Limits, list[str]]:
        """These limits lowered to what a request asks; a request never raises a configured one.

        Returns the new limits and a note for each value that was capped.
        """
        values = self.model_dump()
        notes = []
        for name, value in asked.items():
            if value is None:
                continue
            if value > values[name]:
                notes.append(f"{name}={value:g} capped at the configured {values[name]:g}")
                continue
            values[name] = value
        try:
            return Limits(**values), notes
        except ValidationError as exc:
            first = exc.errors()[0]
            raise RequestError(
                f"budget {first['loc'][0]}={first['input']}: {first['msg']}"
            ) from exc


class Price(BaseModel):
    """A model's price in USD per million tokens, for models litellm has no price for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    input_per_mtok: float = Field(ge=0)
    output_per_mtok: float = Field(ge=0)


_HeaderName = Annotated[str, Field(pattern=r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")]
_VariableName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class OtlpSinkSettings(BaseModel):
    """A trace sink: the run's spans pushed over OTLP/HTTP (protobuf) to ``endpoint``.

    ``endpoint`` is the base URL, as ``OTEL_EXPORTER_OTLP_ENDPOINT`` has it (``/v1/traces`` is
    added unless it ends so). Header values are read from the variables ``headers_from_env``
    names (header -> variable), never from a file, and never written anywhere.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["otlp"]
    endpoint: str = Field(pattern=r"^https?://[^\s/?#]+")
    headers_from_env: dict[_HeaderName, _VariableName] = Field(default_factory=dict)
    # seconds one attempt may take, the exporter's own backoff of 429, 5xx and connection
    # errors included; ``retries`` more attempts follow a failed one
    timeout_s: float = Field(10.0, gt=0, le=300)
    retries: int = Field(1, ge=0, le=5)


class S3SinkSettings(BaseModel):
    """A trace sink: the run's files written to ``s3://bucket/prefix/<owner>/<repo>/<run>/``
    of any S3-compatible store, credentials found the way boto3 finds them (``AWS_*``
    variables, a profile, an instance role)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["s3"]
    bucket: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
    prefix: str = Field("ciopt", pattern=r"^[\w-][\w.-]*(/[\w-][\w.-]*)*$")
    endpoint_url: str | None = Field(None, pattern=r"^https?://")  # MinIO, Ceph, ...
    region: str | None = None  # default: boto3's (AWS_REGION, AWS_DEFAULT_REGION, profile)
    timeout_s: float = Field(30.0, gt=0, le=300)  # connect and read, per request
    retries: int = Field(3, ge=0, le=10)  # botocore's standard retries of throttling and 5xx


# where the run's trace goes when a command ends, besides the output folder (by ``kind``)
TraceSinkSettings = Annotated[OtlpSinkSettings | S3SinkSettings, Field(discriminator="kind")]


JiraState = Literal["running", "done", "failed"]


class JiraSettings(BaseModel):
    """The ``jira`` forge: requests come from Jira issues, the code is published on ``forge``.

    Who may ask is a Jira group or project role; how the issue shows a run is labels and
    workflow transitions. The credentials are read from the variables named here, never from a
    file; a request can set none of this.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    url: str | None = None  # the site, e.g. https://example.atlassian.net (None: $url_variable)
    forge: Literal["auto", "github", "gitlab"] = "auto"  # auto: the CI's own (Actions, GitLab)
    # cloud: an account's email and API token (basic auth); datacenter: a personal access
    # token (bearer); auto: the personal access token when its variable is set, else cloud
    auth: Literal["auto", "cloud", "datacenter"] = "auto"
    url_variable: str = "JIRA_URL"
    email_variable: str = "JIRA_EMAIL"
    token_variable: str = "JIRA_API_TOKEN"  # noqa: S105 (a variable's name, not its value)
    pat_variable: str = "JIRA_PAT"
    # who may start runs: a member of one of these groups, or of one of these roles in the
    # issue's project; with neither, nobody may
    groups: list[str] = Field(default_factory=list)
    project_roles: list[str] = Field(default_factory=list)
    projects: list[str] = Field(default_factory=list)  # issues of these projects only ([]: any)
    # the labels that show a run's state (None: the label setting's own, optimize:running ...;
    # a state left out gets none), and the workflow transitions made on reaching a state
    labels: dict[JiraState, str] | None = None
    transitions: dict[JiraState, str] = Field(default_factory=dict)


class Settings(BaseSettings):
    """ciopt's settings. Field names are the keys of ``.ciopt.toml`` and ``[tool.ciopt]``."""

    model_config = SettingsConfigDict(
        env_prefix="CIOPT_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    model: str | None = None
    api_base: str | None = None
    llm_timeout: float = Field(120.0, gt=0)
    llm_retries: int = Field(4, ge=0, le=10)  # transient failures (429, 5xx, timeouts) retried
    # most output tokens one model call may write (``max_tokens``); a call asks for fewer when
    # the output_tokens budget has fewer left
    llm_max_tokens: int = Field(2048, ge=1)
    model_roles: dict[str, str] = Field(default_factory=dict)  # role -> model, for policies
    model_prices: dict[str, Price] = Field(default_factory=dict)  # model -> price
    python: str | None = None
    out: Path = Path("ciopt-out")
    # keep work/ (recordings of calls, which may hold your data and secrets) in the output
    # folder, for debugging; by default it is a temporary folder, removed when the command ends
    keep_work: bool = False
    forge: str = "local"
    # forges (GitHub, GitLab): what makes a request, and how ciopt talks to the API
    label: str = Field("optimize", pattern=r"^[^,\s][^,]*$")  # + ":running", ":done", ":failed"
    trigger_phrase: str = Field("/optimize", min_length=2)  # in comments, case-insensitive
    allowed_bots: list[str] = Field(default_factory=list)  # bot logins whose requests count
    claim_expiry_minutes: float = Field(120.0, gt=0)  # a running claim older than this is stale
    forge_timeout: float = Field(30.0, gt=0)  # seconds per API call
    forge_retries: int = Field(5, ge=0, le=20)  # 5xx and rate limits, with backoff
    forge_write_interval: float = Field(1.0, ge=0)  # seconds between writes (GitHub's advice)
    push_url: str | None = None  # where branches go (default: the forge's clone URL)
    jira: JiraSettings = Field(default_factory=JiraSettings)  # forge jira: see JiraSettings
    bench: list[str] = Field(default_factory=list)  # benchmarks when a request names none
    max_changed_targets: int = Field(5, ge=1)  # `/optimize` on a PR: most changed functions
    # a request that names no target (on an issue, or `ciopt run`): how many of the project's
    # hottest functions become its targets (``ciopt discover``); a request's top= may lower it
    discover_top: int = Field(4, ge=1, le=20)
    # a fanned-out run (ciopt plan / run --unit / gather): most units running at once, and one
    # pull request for a thread's targets (conflicting candidates never combined) or one each
    max_parallel: int = Field(4, ge=1)
    combine_targets: bool = False
    # where the code under test runs: auto (the strongest of dagger, sandbox, uid that works),
    # dagger, sandbox (bubblewrap), uid (setpriv, as root) or local (no isolation)
    executor: str = "auto"
    sandbox_network: bool = False  # sandbox: let the code under test reach the network
    # a forge run whose code would run without isolation stops, unless this says yes (read from
    # the checkout: the default branch's .ciopt.toml, never a request or a pull request's head)
    allow_unisolated: bool = False
    image: str = DEFAULT_IMAGE  # dagger: the image the client's code runs in
    # dagger: the engine the dagger CLI connects to, as _EXPERIMENTAL_DAGGER_RUNNER_HOST
    # (tcp://host:1234, docker-container://name, ...); None: the environment's, else a local one
    dagger_engine: str | None = None
    base: str = "HEAD"
    tests: str = ""
    allowed_paths: list[str] = Field(default_factory=list)
    pass_env: list[str] = Field(default_factory=list)
    # files git ignores that the package needs (a _version.py written at install, extension
    # modules built in place), copied from the checkout into every worktree: globs relative to
    # the repository root; None: the ignored *.py, *.so and *.pyd of the targets' packages;
    # []: none
    worktree_include: list[str] | None = None
    rounds: int = Field(200, ge=3)  # most interleaved rounds in one comparison
    time_budget: float = Field(60.0, gt=0)  # seconds of measurement in one comparison
    pairing: Literal["duet", "sequential"] = "duet"
    measure: Literal["walltime", "instructions"] = "walltime"
    calibration: Path | None = None  # default: the one `ciopt calibrate` left in .git/ciopt
    min_effect: float = Field(0.02, gt=0, lt=1)
    confidence: float = Field(0.99, gt=0.5, lt=1)
    bench_max_time: float = Field(0.25, gt=0)
    bench_min_rounds: int = Field(5, ge=1)
    test_timeout: float = Field(900.0, gt=0)
    seed: int = 0
    content_capture: Literal["full", "hashed", "none"] = "full"
    explain: bool = True  # the model writes the PR's title and summary (false: ciopt's words)
    trace_retention_days: int = Field(30, ge=1, le=400)  # the trace's expires_at
    # where the trace is sent when a command ends (crash included), besides the output folder:
    # otlp, s3. Read from the settings only: a request cannot name one
    trace_sinks: list[TraceSinkSettings] = Field(default_factory=list)
    # correctness: differential replay of the baseline's calls (verify/differential.py)
    rel_tol: float = Field(0.0, ge=0, lt=1)  # floats compare exactly unless this is set
    abs_tol: float = Field(0.0, ge=0)
    replay_timeout: float = Field(5.0, gt=0)  # seconds per replayed call
    replay_budget: float = Field(120.0, gt=0)  # seconds for all the calls of one replay
    record_max_calls: int = Field(100, ge=1)  # recorded per function
    generated_examples: int = Field(50, ge=0)  # inputs per typed function (0: none)
    generated_seconds: float = Field(10.0, ge=0)
    min_recorded_calls: int = Field(5, ge=0)  # evidence floor per changed function
    # a baseline's recording is kept, by base commit and settings, for the next run of that base
    record_cache: bool = True
    cache_dir: Path | None = None  # default: $XDG_CACHE_HOME/ciopt, else ~/.cache/ciopt
    # and distinct input shapes (types, container sizes) among its calls compared equal
    min_input_shapes: int = Field(3, ge=0)
    publish_low_confidence: bool = False
    # what earlier runs tried on a target, recalled into the next run's prompt: off; local
    # (<git dir>/ciopt/memory.jsonl); branch (memory.jsonl on the branch memory_branch of the
    # forge's repository, or of push_url: for CI jobs, which start from a fresh clone)
    memory: Literal["off", "local", "branch"] = "local"
    memory_branch: str = Field("ciopt-memory", pattern=r"^\w[\w.-]*(/\w[\w.-]*)*$")
    memory_items: int = Field(6, ge=0)  # most items recalled into a prompt
    memory_chars: int = Field(1500, ge=0)  # most characters of them
    limits: Limits = Field(default_factory=Limits)


def load_settings(repo: Path | None, **cli: Any) -> Settings:
    """Settings for ``repo`` with ``cli`` values (``None`` means "not given") on top."""
    files = _repo_sources(repo)
    given = {k: v for k, v in cli.items() if v is not None}

    class _ForRepo(Settings):
        if repo is not None and (repo / "pyproject.toml").is_file():
            model_config = SettingsConfigDict(
                **Settings.model_config, pyproject_toml_table_header=("tool", "ciopt")
            )

        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            return (init_settings, env_settings, *(f(settings_cls) for f in files))

    try:
        bound = _ForRepo(**given)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ConfigError(
            f"setting {where!r}: {first['msg']} (check --flags, CIOPT_* variables, "
            f".ciopt.toml and [tool.ciopt] in pyproject.toml)"
        ) from exc
    return Settings.model_construct(**dict(bound))


def _repo_sources(repo: Path | None) -> list[Any]:
    if repo is None:
        return []
    sources: list[Any] = []
    ciopt_toml = repo / ".ciopt.toml"
    if ciopt_toml.is_file():
        sources.append(lambda cls: TomlConfigSettingsSource(cls, toml_file=ciopt_toml))
    pyproject = repo / "pyproject.toml"
    if pyproject.is_file():
        sources.append(lambda cls: PyprojectTomlConfigSettingsSource(cls, toml_file=pyproject))
    return sources
