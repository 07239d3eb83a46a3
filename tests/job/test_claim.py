from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ciopt.forges.base import Comment, Person
from ciopt.job.claim import Claim, Labels, decide, marker, read_marker

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ME = "github-actions[bot]"  # the login ciopt's token comments as (``Forge.whoami``)
BOT = Person(login=ME, bot=True)
HOUR = timedelta(hours=1)


def _comment(id: int, claim: Claim | None, author: Person = BOT, text: str = "") -> Comment:
    body = (marker(claim) if claim else "") + text
    return Comment(id=id, body=body, author=author)


def _claim(key: str, state: str = "running", run: str = "r1", age: timedelta = HOUR / 6) -> Claim:
    return Claim.model_validate({"key": key, "state": state, "run": run, "at": NOW - age})


def test_a_marker_round_trips_and_junk_is_not_a_claim() -> None:
    claim = _claim("issue-3")
    assert read_marker("hello\n" + marker(claim) + "\nbye") == claim
    assert read_marker("<!-- ciopt:progress {not json} -->") is None
    assert read_marker('<!-- ciopt:progress {"key": "x"} -->') is None
    assert read_marker("no marker") is None


def test_labels_follow_the_configured_one() -> None:
    labels = Labels(ask="perf")
    assert (labels.running, labels.done, labels.failed) == (
        "perf:running",
        "perf:done",
        "perf:failed",
    )


def test_a_live_claim_of_another_run_keeps_a_job_out() -> None:
    holder = _comment(10, _claim("issue-3", run="other"))
    found = decide([holder], me=ME, key="issue-3", run="mine", expiry=HOUR, now=NOW)
    assert not found.go and found.holder == holder


def test_a_stale_claim_expires_and_is_taken_over() -> None:
    old = _claim("issue-3", run="dead", age=2 * HOUR)
    found = decide([_comment(10, old)], me=ME, key="issue-3", run="mine", expiry=HOUR, now=NOW)
    assert found.go and found.expired == (old,)
    assert found.mine is not None and found.mine.id == 10  # the same key: its comment is edited


def test_a_retry_of_the_same_run_goes_on_and_reuses_its_comment() -> None:
    earlier = _comment(10, _claim("issue-3", run="r1"))
    found = decide([earlier], me=ME, key="issue-3", run="r1", expiry=HOUR, now=NOW)
    assert found.go and found.mine == earlier


def test_finished_claims_do_not_block() -> None:
    done = _comment(10, _claim("issue-3", state="done", run="other"))
    assert decide([done], me=ME, key="issue-3", run="r2", expiry=HOUR, now=NOW).go


def test_a_person_cannot_block_a_request_by_pasting_a_marker() -> None:
    human = Person(login="mallory")
    pasted = _comment(10, _claim("issue-3", run="other"), author=human)
    found = decide([pasted], me="ciopt-bot", key="issue-3", run="r2", expiry=HOUR, now=NOW)
    assert found.go and found.mine is None


def test_markers_from_ciopts_own_login_count_even_if_it_is_no_bot_account() -> None:
    me = Person(login="ciopt-pat-user")
    holder = _comment(10, _claim("issue-3", run="other"), author=me)
    assert not decide(
        [holder], me="CIOPT-pat-user", key="issue-3", run="r2", expiry=HOUR, now=NOW
    ).go


def test_of_two_simultaneous_claims_the_older_comment_wins() -> None:
    first = _comment(10, _claim("issue-3", run="a"))
    second = _comment(11, _claim("issue-3", run="b"))
    both = [first, second]
    assert decide(both, me=ME, key="issue-3", run="a", expiry=HOUR, now=NOW, mine_id=10).go
    lost = decide(both, me=ME, key="issue-3", run="b", expiry=HOUR, now=NOW, mine_id=11)
    assert not lost.go and lost.holder == first


def test_a_marker_planted_by_another_bot_is_no_claim() -> None:
    other = Person(login="renovate[bot]", bot=True)
    planted = _comment(10, _claim("issue-3", run="other"), author=other)
    found = decide([planted], me=ME, key="issue-3", run="r2", expiry=HOUR, now=NOW)
    assert found.go and found.holder is None and found.mine is None


def test_a_marker_planted_by_a_person_is_no_claim_even_as_an_older_comment() -> None:
    # the person's "claim" is older than ciopt's own: were it trusted, ciopt would step back
    planted = _comment(10, _claim("issue-3", run="other"), author=Person(login="mallory"))
    mine = _comment(11, _claim("issue-3", run="r2"))
    found = decide(
        [planted, mine], me=ME, key="issue-3", run="r2", expiry=HOUR, now=NOW, mine_id=11
    )
    assert found.go and found.mine == mine


def test_another_bots_marker_cannot_hand_its_comment_to_ciopt() -> None:
    # a finished "claim" of this key by another bot is not ciopt's comment to edit
    other = Person(login="github-actions-lookalike", bot=True)
    planted = _comment(10, _claim("issue-3", state="done", run="other"), author=other)
    ours = _comment(12, _claim("issue-3", state="done", run="r1"))
    found = decide([ours, planted], me=ME, key="issue-3", run="r2", expiry=HOUR, now=NOW)
    assert found.go and found.mine == ours


def test_without_its_own_login_ciopt_trusts_no_marker() -> None:
    holder = _comment(10, _claim("issue-3", run="other"))
    assert decide([holder], me="", key="issue-3", run="r2", expiry=HOUR, now=NOW).go
