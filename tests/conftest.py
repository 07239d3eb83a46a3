from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import venv
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import responses
from google.protobuf import json_format
from opentelemetry.proto.trace.v1.trace_pb2 import TracesData

from ciopt.agent.ir import PromptIR, render
from ciopt.client import Client
from ciopt.executors import open_executor

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

sys.path.insert(0, str(EXAMPLES))
from make_example_repo import make_repo  # noqa: E402

# read at import: the fixture below clears CIOPT_* variables before each test runs
REQUIRE_TOOLS = bool(os.environ.get("CIOPT_REQUIRE_TOOLS"))


def require_command(name: str, package: str, why: str) -> None:
    """Skip the test when ``name`` is not on PATH, or fail it under ``CIOPT_REQUIRE_TOOLS``
    (``make test`` and ``.ci/run`` set it), so CI never passes by skipping."""
    if shutil.which(name) is not None:
        return
    reason = f"needs {name} ({why}): install Debian's {package}"
    if REQUIRE_TOOLS:
        pytest.fail(f"CIOPT_REQUIRE_TOOLS is set, and this test {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _no_ciopt_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests see no CIOPT_* settings from the developer's shell."""
    for name in list(os.environ):
        if name.startswith("CIOPT_") and name != "CIOPT_TEST_CLIENT_PYTHON":
            monkeypatch.delenv(name)


@pytest.fixture(scope="session")
def client_python() -> str:
    """An interpreter with pytest and pytest-benchmark, standing in for a client's venv.

    ``make test`` provides one (``CIOPT_TEST_CLIENT_PYTHON``); otherwise it is built once.
    """
    given = os.environ.get("CIOPT_TEST_CLIENT_PYTHON")
    if given:
        return str(Path(given).absolute())
    home = ROOT / "build" / "client-venv"
    python = home / "bin" / "python"
    if not (home / ".installed").is_file():
        venv.create(home, with_pip=True, clear=True)
        install = ["install", "--quiet", "--require-hashes", "--no-deps", "--only-binary=:all:"]
        lock = ROOT / "requirements" / "client.lock"
        subprocess.run([python, "-m", "pip", *install, "-r", str(lock)], check=True)
        (home / ".installed").touch()
    return str(python)


@pytest.fixture
def example_repo(tmp_path: Path) -> Path:
    """A fresh git repository of the bundled textkit example, one commit on main."""
    dest = tmp_path / "textkit"
    make_repo(dest)
    return dest


@pytest.fixture
def remote(example_repo: Path, tmp_path: Path) -> Path:
    """A bare clone of ``example_repo``, standing in for the forge's copy of the project."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "clone", "--quiet", "--bare", str(example_repo), str(bare))
    return bare


@pytest.fixture
def rsps() -> Iterator[responses.RequestsMock]:
    """HTTP fakes (``responses``) for the forges' clients; unused routes are no error."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


@pytest.fixture
def script(tmp_path: Path) -> Callable[[list[str]], Path]:
    """Write a scripted-model file from a list of replies."""

    def write(replies: list[str]) -> Path:
        path = tmp_path / "script.jsonl"
        path.write_text("".join(json.dumps({"content": r}) + "\n" for r in replies))
        return path

    return write


# A request that ``winner_script`` answers: one candidate for textkit's dedupe, and an issue
# asking for it (the request in a ```ciopt block, a field a line).
BENCH = "benchmarks/test_bench_tokens.py"
REQUEST = f"target=src/textkit/tokens.py::dedupe bench={BENCH} candidates=1"
ISSUE_BODY = (
    f"dedupe is slow on long token lists.\n\n```ciopt\n{REQUEST.replace(' ', chr(10))}\n```\n"
)


def winner_script(where: Path) -> Path:
    """The demo's winning reply and its explanation (lines 4 and 5 of the demo's script): one
    candidate, verified faster. Written to ``where/winner.jsonl``."""
    lines = (EXAMPLES / "scripted" / "textkit-dedupe.jsonl").read_text().splitlines()
    path = where / "winner.jsonl"
    path.write_text(lines[3] + "\n" + lines[4] + "\n")
    return path


def prompts(trace: Path) -> list[tuple[str, list[dict[str, str]]]]:
    """Every prediction's first prompt, rebuilt from the trace alone: its IR and its blobs."""
    records = [json.loads(line) for line in trace.read_text().splitlines()]
    blobs = {r["sha256"]: r["text"] for r in records if r["type"] == "blob"}
    irs = [
        PromptIR.model_validate(r["attrs"]["ir"])
        for r in records
        if r["type"] == "span_end" and r["name"] == "predict"
    ]
    return [(ir.signature, render(ir, blobs)) for ir in irs]


def local_client(python: str, *modules: str) -> Client:
    """The client's interpreter on the local executor, with a minimal environment."""
    return Client(
        python,
        open_executor("local"),
        environ={"PATH": "/usr/bin:/bin"},
        import_roots=["src"],
        modules=list(modules),
    )


def git(repo: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


@pytest.fixture
def chdir_tmp(tmp_path: Path) -> Iterator[Path]:
    old = Path.cwd()
    os.chdir(tmp_path)
    try:
        yield tmp_path
    finally:
        os.chdir(old)


def parse_otlp(path: Path) -> list[TracesData]:
    """Each line as OTLP/JSON: protobuf's JSON mapping, except that ids are hex, not base64."""
    messages = []
    for line in path.read_text().splitlines():
        data = json.loads(line)
        for resource in data["resourceSpans"]:
            for scope in resource["scopeSpans"]:
                for span in scope["spans"]:
                    for key in ("traceId", "spanId", "parentSpanId"):
                        if key in span:
                            span[key] = base64.b64encode(bytes.fromhex(span[key])).decode()
        messages.append(json_format.ParseDict(data, TracesData()))
    return messages
