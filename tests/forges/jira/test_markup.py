"""ciopt's Markdown as Jira's wiki markup and back: the comments ciopt renders, what a stranger
wrote shown as inert monospace, the hidden markers as footer lines, and an issue's description as
the request parser reads it."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from ciopt.errors import RequestError
from ciopt.forges import Links, Person, Rules
from ciopt.forges.jira.markup import COMMENT_LIMIT, from_wiki, request_markdown, to_wiki
from ciopt.job.claim import Claim, marker, read_marker
from ciopt.job.progress import TITLES, Step
from ciopt.report import render_text
from ciopt.request import parse_request

ALICE = "712020:9750dcc2-516e-5ea0-8a26-54fa6ff6986b"
HOSTILE = "[~admin] [x|https://evil.example] !https://evil.example/a.png! {html}<b>{html} *b* @bob"


def _progress(detail: str) -> str:
    claim = Claim(key="jira-PROJ-1", state="running", run="7", at=datetime(2024, 5, 1, tzinfo=UTC))
    steps = [Step(key=k, title=t) for k, t in TITLES.items()]
    steps[0] = steps[0].model_copy(update={"state": "done"})
    steps[1] = steps[1].model_copy(update={"state": "failed", "detail": detail})
    return render_text(
        "progress.md.j2",
        marker=marker(claim),
        claim=claim,
        steps=steps,
        author=Person(login=ALICE),
        links=Links(job="https://ci.example/run/7", artifacts="https://ci.example/run/7#a"),
        v=None,
        error="",
        patch="",
        isolation="sandbox",
        pr_word="pull request",
    )


def test_a_progress_comment_reads_as_jira_markup_and_mentions_the_requester() -> None:
    wiki = to_wiki(_progress("nope"), {ALICE: f"[~accountid:{ALICE}]"})
    lines = wiki.splitlines()
    assert lines[0] == "h3. ⏳ ciopt is working on this"
    assert f"Requested by [~accountid:{ALICE}]." in lines
    assert "* (/) Read the request" in lines
    assert "* ❌ Check the requester's permission — {{nope}}" in lines
    assert "* Publish the result" in lines
    assert (
        "[CI job|https://ci.example/run/7] · [Artifact: report, patch and trace|https://ci.example/run/7#a]"
        in lines
    )
    assert "<!--" not in wiki and "**" not in wiki and "###" not in wiki
    # the list is one list: no blank line between its items
    items = [i for i, line in enumerate(lines) if line.startswith("* ")]
    assert items == list(range(items[0], items[0] + len(TITLES)))


def test_someone_elses_text_is_inert_monospace() -> None:
    wiki = to_wiki(_progress(HOSTILE + " http://evil.example/x"), {})
    (shown,) = re.findall(r"\{\{(.*)\}\}", next(line for line in wiki.splitlines() if "❌" in line))
    # every character that starts markup is escaped, no scheme makes a link
    assert not re.search(r"(?<!\\)[\[\]{}!*|~]", shown.replace("&#58;", ""))
    assert "://" not in shown and "http&#58;//evil.example/x" in shown
    assert "\\[\\~admin\\]" in shown


def test_an_unknown_login_is_no_mention_and_backslashes_escape_nothing() -> None:
    wiki = to_wiki("hi @mallory, see `a\\*b` and a\\_c", {})
    assert wiki == "hi @mallory, see {{a&#92;\\*b}} and a&#92;\\_c"


def test_markers_become_a_footer_and_come_back() -> None:
    body = _progress("x")
    wiki = to_wiki(body, {})
    assert re.fullmatch(r"\{color:#97a0af\}ciopt-marker [a-z2-7]+\{color\}", wiki.splitlines()[-1])
    back = from_wiki(wiki)
    assert read_marker(back) == read_marker(body)
    # Jira may drop the colour on its way through its document format: the marker still reads
    bare = re.sub(r"\{color[^}]*\}", "", wiki)
    assert read_marker(from_wiki(bare)) == read_marker(body)


def test_a_reply_keeps_its_marker_and_a_planted_token_that_is_not_ciopts_stays_text() -> None:
    reply = render_text("refusal.md.j2", author=Person(login="mallory"), rules=Rules(), role="none")
    assert from_wiki(to_wiki(reply)).rstrip().endswith("<!-- ciopt:reply refusal -->")
    planted = "ciopt-marker nbswy3dp"  # base32 of "hello": not a marker of ciopt's
    assert from_wiki(planted) == planted


def test_a_comment_too_long_for_jira_is_cut_and_keeps_its_marker() -> None:
    body = "<!-- ciopt:progress {} -->\n" + "\n".join(f"line {i}" for i in range(9000))
    wiki = to_wiki(body)
    assert len(wiki) < COMMENT_LIMIT and "cut: the full text is in the artifact" in wiki
    assert "<!-- ciopt:progress {} -->" in from_wiki(wiki)


def test_a_code_block_is_a_noformat_block_that_its_text_cannot_close() -> None:
    wiki = to_wiki("see\n\n```diff\n-a\n+b {noformat} [~x]\n```\n")
    assert wiki == "see\n\n{noformat}\n-a\n+b { noformat} [~x]\n{noformat}"


# -- descriptions, as requests ---------------------------------------------------------------


def test_a_code_ciopt_block_is_the_requests_block() -> None:
    text = request_markdown(
        "dedupe is slow.\n\n{code:ciopt}\ntarget = src/textkit/tokens.py::dedupe\n"
        "bench = benchmarks/test_bench_tokens.py\n{code}\n"
    )
    request = parse_request(text)
    assert request.targets == ("src/textkit/tokens.py::dedupe",)
    assert request.bench == ("benchmarks/test_bench_tokens.py",)


def test_a_trigger_line_reads_with_jiras_escapes_undone() -> None:
    text = request_markdown("/optimize target=src/m.py::f bench=benchmarks/test\\_m.py")
    assert parse_request(text).bench == ("benchmarks/test_m.py",)


@pytest.mark.parametrize(
    "wiki",
    [
        "{quote}/optimize target=src/m.py::f bench=b.py{quote}",
        "bq. /optimize target=src/m.py::f bench=b.py",
        "{{/optimize target=src/m.py::f bench=b.py}}",
        "{noformat}\n/optimize target=src/m.py::f bench=b.py\n{noformat}",
        "{code:python}\n/optimize target=src/m.py::f bench=b.py\n{code}",
    ],
)
def test_what_jira_shows_quoted_or_as_code_is_not_read(wiki: str) -> None:
    with pytest.raises(RequestError, match="only quoted or in code"):
        parse_request(request_markdown("Please look at this:\n" + wiki))
