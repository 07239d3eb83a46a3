"""Where a run's trace belongs (``RunPlace``), what is sent (``Shipment``), URLs as shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from ciopt.trace import RunPlace, Shipment
from ciopt.trace.sinks.base import shown_url

TRACE_ID = "0af7651916cd43dd8448eb211c80319c"


def test_on_github_actions_the_place_is_the_repository_and_the_run_and_its_attempt() -> None:
    environ = {"GITHUB_REPOSITORY": "acme/textkit", "GITHUB_RUN_ID": "4242"}
    environ["GITHUB_RUN_ATTEMPT"] = "2"
    place = RunPlace.find(environ, Path("/anywhere"), TRACE_ID)
    assert place == RunPlace("acme", "textkit", f"4242-2-{TRACE_ID}")
    assert place.key() == f"acme/textkit/4242-2-{TRACE_ID}"


def test_on_gitlab_ci_a_subgroup_is_part_of_the_owner() -> None:
    environ = {"CI_PROJECT_PATH": "acme/perf/textkit", "CI_PIPELINE_ID": "77", "CI_JOB_ID": "9"}
    place = RunPlace.find(environ, Path("/anywhere"), TRACE_ID)
    assert place.key() == f"acme/perf/textkit/77-9-{TRACE_ID}"


def test_outside_ci_the_place_is_the_checkouts_folder_and_the_trace_id(tmp_path: Path) -> None:
    (tmp_path / "textkit").mkdir()
    place = RunPlace.find({}, tmp_path / "textkit", TRACE_ID)
    assert place == RunPlace("local", "textkit", TRACE_ID)


@pytest.mark.parametrize(
    ("slug", "key"),
    [
        ("../../etc", "_/_/etc/run"),  # no segment is . or ..
        ("ac me/te$xt", "ac_me/te_xt/run"),
        ("owner/..", "owner/_/run"),
    ],
)
def test_every_segment_is_a_plain_name(slug: str, key: str) -> None:
    place = RunPlace.find({"GITHUB_REPOSITORY": slug}, Path("/x"), "run")
    assert place.key() == key
    assert all(part not in ("", ".", "..") for part in place.key().split("/"))


def test_a_shipment_holds_the_four_files_the_command_wrote(tmp_path: Path) -> None:
    for name in ("report.md", "trace.jsonl", "trace.html", "patch.diff", "verdict.json"):
        (tmp_path / name).write_text("x")
    names = [path.name for path in Shipment(tmp_path, TRACE_ID).files()]
    assert names == ["trace.jsonl", "verdict.json", "report.md"]  # no trace.otlp.jsonl written


def test_a_url_is_shown_without_what_may_be_a_credential() -> None:
    shown = shown_url("https://user:pw@otel.example.com:4318/v1/traces?token=abc#x")
    assert shown == "https://otel.example.com:4318/v1/traces"
