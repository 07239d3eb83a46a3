from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ciopt.errors import ConfigError, RequestError
from ciopt.forges.base import Comment, Links, Person, Thread
from ciopt.forges.local import LocalForge
from ciopt.job.claim import Claim, read_marker
from ciopt.job.progress import Progress
from ciopt.request import parse_request
from ciopt.verdict import Discovery, HotFunction, Verdict
from tests.helpers.markdown import MARKS, PLANTED, code_texts, loose, render

THREAD = Thread(number=3, url="https://example.test/issues/3")
LINKS = Links(job="https://ci.test/run/9", artifacts="https://ci.test/run/9#artifacts")


class Recorder(LocalForge):
    """Comments kept in memory; ``broken`` makes edits fail as an API would."""

    name = "github"

    def __init__(self) -> None:
        self.bodies: dict[int, str] = {}
        self.edits = 0
        self.broken = False

    def comment(self, thread: Thread, body: str) -> Comment:
        number = len(self.bodies) + 1
        self.bodies[number] = body
        return Comment(id=number, body=body, author=Person(login="bot", bot=True))

    def edit_comment(self, thread: Thread, comment_id: int, body: str) -> None:
        if self.broken:
            raise ConfigError("403 Resource not accessible by integration")
        self.edits += 1
        self.bodies[comment_id] = body


def _progress(forge: Recorder) -> Progress:
    claim = Claim(key="issue-3", state="running", run="9", at=datetime.now(UTC))
    return Progress(
        forge,
        THREAD,
        claim=claim,
        author=Person(login="alice"),
        links=LINKS,
        redact=lambda text: text.replace("sekrit", "[REDACTED]"),
    )


def _span(kind: str, name: str, **attrs: Any) -> dict[str, Any]:
    status = attrs.pop("status", "ok")
    return {"type": kind, "name": name, "attrs": attrs, "status": status}


def test_one_comment_follows_the_run_and_ends_with_the_result_and_links() -> None:
    forge = Recorder()
    progress = _progress(forge)
    progress.post(required=True)
    assert list(forge.bodies) == [1]
    assert (
        "working on this" in forge.bodies[1]
        and "[CI job](https://ci.test/run/9)" in forge.bodies[1]
    )
    for record in [
        _span("span_end", "request"),
        _span("span_start", "workspace"),
        _span("span_end", "baseline.profile"),
        _span("span_start", "candidate", candidate=1),
        _span("span_end", "candidate", outcome="faster"),
        _span("span_start", "candidate", candidate=2),
        _span("span_end", "candidate", outcome="rejected"),
        _span("span_start", "publish"),
        {"type": "event", "name": "noise"},
    ]:
        progress.on_record(record)
    body = forge.bodies[1]
    assert "2 tried (1 faster, 1 rejected)" in body
    assert "- [x] Measure the baseline" in body
    verdict = Verdict(
        verdict="faster",
        reason="verified_faster",
        message="m",
        ratio=0.5,
        ci=(0.4, 0.6),
        pr_url="https://example.test/pull/4",
        title="Use a set",
    )
    progress.finish("done", verdict)
    final = forge.bodies[1]
    assert list(forge.bodies) == [1]  # edited in place, never a second comment
    assert "**Pull request:** https://example.test/pull/4" in final
    assert "2× faster" in final or "2.0× faster" in final or "faster" in final
    assert "[Artifact: report, patch and trace](https://ci.test/run/9#artifacts)" in final
    assert "- [x] Publish the result" in final
    claim = read_marker(final)
    assert claim is not None and claim.state == "done"


def test_an_unchanged_body_is_not_posted_again() -> None:
    forge = Recorder()
    progress = _progress(forge)
    progress.post()
    progress.post()
    progress.on_record(_span("span_start", "unknown"))
    assert forge.edits == 0


def test_a_failure_marks_the_running_step_and_shows_the_error_redacted() -> None:
    forge = Recorder()
    progress = _progress(forge)
    progress.post()
    progress.on_record(_span("span_start", "workspace"))
    progress.finish("failed", error="baseline tests fail with sekrit")
    body = forge.bodies[1]
    assert (
        "❌ Measure the baseline" in body
        and "**Error:** `baseline tests fail with [REDACTED]`" in body
    )
    assert "sekrit" not in body
    assert "➖ Publish the result" in body


def test_an_edit_that_fails_is_kept_as_a_problem_and_does_not_raise() -> None:
    forge = Recorder()
    progress = _progress(forge)
    progress.post()
    forge.broken = True
    progress.on_record(_span("span_start", "workspace"))
    assert progress.problems and "403" in progress.problems[0]


def test_gitlab_says_merge_request_and_a_forks_patch_is_shown() -> None:
    forge = Recorder()
    forge.name = "gitlab"
    progress = _progress(forge)
    progress.patch = "--- a/x.py\n+++ b/x.py\n"
    progress.finish(
        "done",
        Verdict(verdict="faster", reason="verified_faster", message="m", ratio=0.5, ci=(0.4, 0.6)),
    )
    body = forge.bodies[1]
    assert "this merge request comes from a fork" in body and "```diff\n--- a/x.py" in body


@pytest.mark.parametrize(
    "asked",
    [
        f"/optimize {PLANTED}",  # cannot read '@org/team' in the request
        "/optimize target=`@org/team`</details>![x](https://evil.test/x.png) bench=b.py",
        "/optimize bench=b.py ![x](https://evil.test/x.png)=<img/src=https://evil.test/i.png>",
        "/optimize target=a.py::f bench=b.py sha='@org/team <script>alert(1)</script>'",
    ],
)
def test_a_strangers_request_text_is_echoed_only_as_code(asked: str) -> None:
    # a read-only stranger writes the issue; a maintainer labels it; the request cannot be read
    with pytest.raises(RequestError) as refused:
        parse_request(asked)
    forge = Recorder()
    progress = _progress(forge)
    progress.post()
    error = f"RequestError: {refused.value}"
    progress.on_record(_span("span_end", "request", status="error", error=error))
    progress.finish("failed", error=str(refused.value))
    body = forge.bodies[1]
    assert "@org" in body or "evil.test" in body  # the text is shown...
    assert loose(body) == []  # ...as code: no mention, image, link or HTML of it
    assert "Requested by @alice." in body  # the requester is still addressed


def test_a_failed_verdicts_message_and_a_forks_patch_stay_code() -> None:
    forge = Recorder()
    progress = _progress(forge)
    progress.patch = f"--- a/x.py\n+++ b/x.py\n+```\n+{PLANTED}\n```\n</details>\n{PLANTED}\n"
    message = f"target {PLANTED!r} is not of the form path/to/file.py::function"
    progress.finish("done", Verdict(verdict="error", reason="bad_request", message=message))
    body = forge.bodies[1]
    assert loose(body, tuple(m for m in MARKS if m != "</details>")) == []
    assert render(body).count("</details>") == 1  # ciopt's own, around the patch
    assert code_texts(body)[-1].startswith("--- a/x.py\n+++ b/x.py\n+```\n+@org/team")


def test_discovered_targets_get_a_step_and_say_why_they_were_picked() -> None:
    forge = Recorder()
    progress = _progress(forge)
    progress.post(required=True)
    assert "Find the hottest functions" not in forge.bodies[1]  # only when there is discovery
    found = Discovery(
        bench=["benchmarks"],
        bench_s=0.2,
        tests=2,
        top=1,
        min_share=0.005,
        targets=["src/m.py::hot"],
        rows=[
            HotFunction(
                target="src/m.py::hot",
                calls=3,
                own_s=0.1,
                self_s=0.05,
                cum_s=0.15,
                own_share=0.5,
                cum_share=0.75,
            ),
            HotFunction(
                target="src/m.py::warm",
                calls=1,
                own_s=0.02,
                self_s=0.02,
                cum_s=0.02,
                own_share=0.1,
                cum_share=0.1,
            ),
        ],
    )
    progress.on_record(_span("span_end", "request"))
    progress.on_record(_span("span_start", "discover", bench=["benchmarks"], top=1))
    assert "- [ ] ⏳ Find the hottest functions (the request names no target)" in forge.bodies[1]
    attrs = found.model_dump(mode="json", by_alias=True)
    progress.on_record({"type": "event", "name": "discovery", "attrs": attrs})
    body = forge.bodies[1]
    steps = [line for line in body.splitlines() if line.startswith("- [")]
    assert steps[2] == "- [x] Find the hottest functions (the request names no target) — picked hot"
    assert steps[3].endswith("Measure the baseline (tests, benchmark, profile)")
    assert "| `src/m.py::hot` | 50.0% | 75.0% | 3 |" in body
    assert "warm" not in body  # only the targets picked


def test_a_discovery_that_fails_says_why_in_its_step() -> None:
    forge = Recorder()
    progress = _progress(forge)
    progress.post(required=True)
    progress.on_record(_span("span_start", "discover"))
    error = "BaselineError: none of the project's own code is hot in benchmarks"
    progress.on_record({**_span("span_end", "discover", status="error"), "error": error})
    assert (
        "❌ Find the hottest functions (the request names no target) — `none of the"
        in (forge.bodies[1])
    )
