"""The trace sinks against live stores started by the tests: a scripted run of the bundled
example sends its trace to Arize Phoenix (OTLP/HTTP) and to moto's S3 server, and to an OTLP
endpoint and an S3 endpoint on a closed port; each store is read back through its own API.

Secrets planted in the environment (an OpenAI key, a GitHub token, and the OTLP header's value
under a name no redaction rule finds secret) reach the request, the benchmark's source and so
the trace; none reaches either store.
"""

from __future__ import annotations

import contextlib
import io
import json
import secrets
import string
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import boto3
import pytest

from ciopt.cli import main
from tests.helpers import REQUEST, git, make_repo, parse_otlp, winner_script
from tests.helpers.display import without_progress
from tests.trace.sinks.stores import Store, closed_port

BUCKET = "ciopt-traces"
ALNUM = string.ascii_letters + string.digits
AWS = {  # moto takes any credentials; nothing of the developer's own is read
    "AWS_ACCESS_KEY_ID": "moto-access-key-id-for-tests",
    "AWS_SECRET_ACCESS_KEY": "moto-secret-access-key-for-tests",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}
CI = {"GITHUB_REPOSITORY": "acme/textkit", "GITHUB_RUN_ID": "4242", "GITHUB_RUN_ATTEMPT": "1"}


def _random(n: int) -> str:
    return "".join(secrets.choice(ALNUM) for _ in range(n))


@dataclass(frozen=True)
class Sent:
    """One run with four sinks: two live stores, two closed ports."""

    out: Path
    code: int
    stdout: str
    stderr: str
    planted: dict[str, str]
    phoenix: Store
    moto: Store
    closed: int
    seconds: float

    @property
    def run_id(self) -> str:
        return str(json.loads((self.out / "verdict.json").read_text())["run_id"])

    @property
    def prefix(self) -> str:
        return f"ciopt/acme/textkit/4242-1-{self.run_id}/"

    def leaks(self, text: str) -> list[str]:
        """The planted secrets found in ``text``, as written or as inside a JSON string."""
        return [
            name
            for name, value in self.planted.items()
            if value in text or json.dumps(value)[1:-1] in text
        ]


def s3(moto: Store) -> Any:
    return boto3.session.Session(
        aws_access_key_id=AWS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS["AWS_SECRET_ACCESS_KEY"],
        region_name="us-east-1",
    ).client("s3", endpoint_url=moto.url)


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        for name, value in values.items():
            mp.setenv(name, value)
        yield


@pytest.fixture(scope="module")
def sent(
    phoenix_store: Store,
    moto_store: Store,
    client_python: str,
    tmp_path_factory: pytest.TempPathFactory,
) -> Sent:
    tmp = tmp_path_factory.mktemp("live")
    planted = {
        "OPENAI_API_KEY": "sk-" + _random(48),
        "GITHUB_TOKEN": "ghp_" + _random(36),
        "TRACE_STORE_HEADER": "hv" + _random(30),  # no rule finds this name secret
    }
    repo = tmp / "textkit"
    make_repo(repo)
    bench = repo / "benchmarks" / "test_bench_tokens.py"
    notes = " ".join(planted.values())
    bench.write_text(f"# deployed with {notes}\n" + bench.read_text())
    git(repo, "commit", "-qam", "benchmarks: say where it is deployed")
    request = tmp / "issue.md"
    request.write_text(f"dedupe is slow; our keys: {notes}\n\n/optimize {REQUEST}\n")
    s3(moto_store).create_bucket(Bucket=BUCKET)
    closed = closed_port()
    sinks = [
        {
            "kind": "otlp",
            "endpoint": phoenix_store.url,
            "headers_from_env": {"x-ciopt-test": "TRACE_STORE_HEADER"},
        },
        {"kind": "s3", "bucket": BUCKET, "endpoint_url": moto_store.url},
        {"kind": "otlp", "endpoint": f"http://127.0.0.1:{closed}", "timeout_s": 1, "retries": 0},
        {
            "kind": "s3",
            "bucket": BUCKET,
            "endpoint_url": f"http://127.0.0.1:{closed}",
            "retries": 0,
        },
    ]
    env = {
        **planted,
        **AWS,
        **CI,
        "XDG_CACHE_HOME": str(tmp / "cache"),
        "CIOPT_TRACE_SINKS": json.dumps(sinks),
    }
    out, stdout, stderr = tmp / "out", io.StringIO(), io.StringIO()
    started = time.monotonic()
    with (
        _environment(env),
        contextlib.redirect_stdout(stdout),
        contextlib.redirect_stderr(stderr),
    ):
        code = main(["run", "--repo", str(repo), "--request-file", str(request),
                     "--model", f"scripted:{winner_script(tmp)}", "--python", client_python,
                     "--out", str(out)])  # fmt: skip
    seconds = time.monotonic() - started
    return Sent(
        out, code, stdout.getvalue(), stderr.getvalue(), planted, phoenix_store, moto_store,
        closed, seconds,
    )  # fmt: skip


@pytest.mark.e2e
def test_a_failing_sink_is_one_line_and_changes_nothing_else(sent: Sent) -> None:
    assert sent.code == 0, sent.stderr
    verdict = json.loads((sent.out / "verdict.json").read_text())
    assert verdict["verdict"] == "faster"
    phoenix = f"{sent.phoenix.url}/v1/traces"
    moto = f"s3://{BUCKET}/{sent.prefix} at {sent.moto.url}"
    otlp_down = f"http://127.0.0.1:{sent.closed}/v1/traces"
    s3_down = f"s3://{BUCKET}/{sent.prefix} at http://127.0.0.1:{sent.closed}"
    assert without_progress(sent.stderr).splitlines() == [
        f"ciopt: trace sink otlp ({otlp_down}) failed: [Errno 111] Connection refused "
        f"(retried within 1 s); the trace is still in {sent.out}/",
        f"ciopt: trace sink s3 ({s3_down}) failed: Could not connect to the endpoint URL: "
        f'"http://127.0.0.1:{sent.closed}/{BUCKET}/{sent.prefix}trace.jsonl"; '
        f"the trace is still in {sent.out}/",
    ]
    # the artifacts are whole: every file, the OTLP copy parses, the trace ends with the run
    for name in ("verdict.json", "report.md", "patch.diff", "trace.jsonl", "trace.html"):
        assert (sent.out / name).is_file(), name
    assert parse_otlp(sent.out / "trace.otlp.jsonl")
    last = json.loads((sent.out / "trace.jsonl").read_text().splitlines()[-1])
    assert last["name"] == "publish"
    # the results line says which sinks took the trace; the report where it is sent
    [results] = [line for line in sent.stdout.splitlines() if "results:" in line]
    assert results.endswith(
        f"; trace sent to {phoenix}, {moto}; trace not sent to {otlp_down}, {s3_down} "
        "(the error is above)"
    )
    assert verdict["trace_sinks"] == [phoenix, moto, otlp_down, s3_down]
    report = (sent.out / "report.md").read_text()
    said = ", ".join(f"`{target}`" for target in verdict["trace_sinks"])
    assert f"When the command ends, the trace is also sent to {said}." in report
    assert not sent.leaks(sent.stdout + sent.stderr)


def _phoenix_spans(phoenix: Store, trace_id: str, count: int) -> list[dict[str, Any]]:
    """The trace's spans through Phoenix's REST API, once it has ingested ``count`` of them
    (it writes what it receives in the background)."""
    deadline = time.monotonic() + 60
    while True:
        found: list[dict[str, Any]] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"trace_id": trace_id, "limit": 1000}
            if cursor:
                params["cursor"] = cursor
            query = urllib.parse.urlencode(params)
            status, data = phoenix.get(f"/v1/projects/default/spans?{query}")
            assert status == 200, f"Phoenix answered {status}: {data[:300]!r}"
            body = json.loads(data)
            found += body["data"]
            cursor = body.get("next_cursor")
            if not cursor:
                break
        if len(found) >= count or time.monotonic() > deadline:
            return found
        time.sleep(0.5)


@pytest.mark.e2e
def test_phoenix_holds_every_span_of_the_run_and_no_secret(sent: Sent) -> None:
    [written] = parse_otlp(sent.out / "trace.otlp.jsonl")[:1]
    lines = (sent.out / "trace.otlp.jsonl").read_text().splitlines()
    spans = [
        span
        for line in lines
        for rs in json.loads(line)["resourceSpans"]
        for ss in rs["scopeSpans"]
        for span in ss["spans"]
    ]
    assert written.resource_spans
    stored = _phoenix_spans(sent.phoenix, sent.run_id, len(spans))

    assert len(stored) == len(spans)
    assert sorted(s["name"] for s in stored) == sorted(s["name"] for s in spans)
    assert {s["context"]["span_id"] for s in stored} == {s["spanId"] for s in spans}
    assert {s["context"]["trace_id"] for s in stored} == {sent.run_id}
    ids = {s["context"]["span_id"] for s in stored}
    roots = [s for s in stored if s["parent_id"] is None]
    assert [r["name"] for r in roots] == ["ciopt run"]
    assert all(s["parent_id"] in ids for s in stored if s["parent_id"] is not None)
    chats = [s for s in stored if s["name"].startswith("chat ")]
    assert len(chats) == 2  # the winner's proposal and its explanation
    for chat in chats:
        attrs = chat["attributes"]
        assert attrs["gen_ai.operation.name"] == "chat"
        assert attrs["gen_ai.request.model"] == chat["name"].removeprefix("chat ")
        assert attrs["gen_ai.usage.input_tokens"] > 0 < attrs["gen_ai.usage.output_tokens"]
        assert attrs["gen_ai.prompt.name"] in ("propose_optimization", "explain_winner")
    [request] = [s for s in stored if s["name"] == "request"]
    assert "[REDACTED:env:" in request["attributes"]["request_text"]  # not vacuous
    assert not sent.leaks(json.dumps(stored))


@pytest.mark.e2e
def test_s3_holds_the_runs_files_tagged_with_their_expiry_and_no_secret(sent: Sent) -> None:
    client = s3(sent.moto)
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix="ciopt/")["Contents"]
    names = ("trace.jsonl", "trace.otlp.jsonl", "verdict.json", "report.md")
    assert sorted(o["Key"] for o in listed) == sorted(sent.prefix + n for n in names)
    header = json.loads((sent.out / "trace.jsonl").read_text().splitlines()[0])
    expires = datetime.fromisoformat(header["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    for name in names:
        got = client.get_object(Bucket=BUCKET, Key=sent.prefix + name)
        body = got["Body"].read()
        assert body == (sent.out / name).read_bytes(), name
        assert not sent.leaks(body.decode()), name
        tags = client.get_object_tagging(Bucket=BUCKET, Key=sent.prefix + name)["TagSet"]
        assert {t["Key"]: t["Value"] for t in tags} == {
            "expires_at": header["expires_at"],
            "retention_days": "30",
        }
    assert got["ContentType"] == "text/markdown; charset=utf-8"
    trace = client.get_object(Bucket=BUCKET, Key=sent.prefix + "trace.jsonl")["Body"].read()
    assert b"[REDACTED:env:" in trace  # the planted secrets were there, redacted


def test_prune_deletes_what_has_expired_and_keeps_the_rest(
    moto_store: Store, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name, value in AWS.items():
        monkeypatch.setenv(name, value)
    client = s3(moto_store)
    bucket = "ciopt-prune"
    client.create_bucket(Bucket=bucket)
    now = datetime.now(UTC)
    objects = {
        "old/acme/kit/1-a/trace.jsonl": (now - timedelta(days=1)).isoformat(timespec="seconds"),
        "old/acme/kit/2-b/trace.jsonl": (now + timedelta(days=1)).isoformat(timespec="seconds"),
        "old/acme/kit/3-c/notes.txt": None,
        "other/acme/kit/1-a/trace.jsonl": "2000-01-01T00:00:00+00:00",
    }
    for key, expires_at in objects.items():
        tagging = urlencode({"expires_at": expires_at} if expires_at else {})
        client.put_object(Bucket=bucket, Key=key, Body=b"{}", Tagging=tagging)
    flags = ["--bucket", bucket, "--prefix", "old", "--endpoint-url", moto_store.url]

    assert main(["trace", "prune", *flags, "--dry-run"]) == 0
    assert capsys.readouterr().out == (
        f"would delete s3://{bucket}/old/acme/kit/1-a/trace.jsonl "
        f"(expired {objects['old/acme/kit/1-a/trace.jsonl']})\n"
        f"s3://{bucket}/old/: 3 objects, 1 to delete (dry run), 1 not expired yet, "
        "1 without an expires_at tag (kept)\n"
    )
    assert len(client.list_objects_v2(Bucket=bucket)["Contents"]) == 4

    assert main(["trace", "prune", *flags]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == (
        f"s3://{bucket}/old/: 3 objects, 1 deleted, 1 not expired yet, "
        "1 without an expires_at tag (kept)"
    )
    left = sorted(o["Key"] for o in client.list_objects_v2(Bucket=bucket)["Contents"])
    assert left == sorted(k for k in objects if k != "old/acme/kit/1-a/trace.jsonl")
