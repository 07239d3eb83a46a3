from __future__ import annotations

import pytest

from ciopt.forges.base import Ask, Comment, Ignored, Person, Rules, Thread
from ciopt.forges.screen import screen_ask

RULES = Rules(label="optimize", phrase="/optimize", allowed_bots=("renovate[bot]",), me="ciopt-bot")
THREAD = Thread(number=4, kind="pull")


def _comment_ask(body: str, login: str = "alice", bot: bool = False) -> Ask:
    author = Person(login=login, bot=bot)
    comment = Comment(id=1, body=body, author=author)
    return Ask(thread=THREAD, author=author, text=body, via="comment", comment=comment)


@pytest.mark.parametrize(
    ("body", "login", "bot", "reason"),
    [
        ("/optimize target=a.py::f", "alice", False, None),
        ("please /OPTIMIZE this", "alice", False, None),
        ("/optimizer is a word", "alice", False, "not_triggered"),
        ("> /optimize\nquoted only", "alice", False, "not_triggered"),
        ("<!-- ciopt:progress {} -->\n/optimize", "alice", False, "own_comment"),
        ("/optimize", "ciopt-bot", False, "own_comment"),
        ("/optimize", "dependabot[bot]", True, "bot"),
        ("/optimize", "project_7_bot_ab12", False, "bot"),
        ("/optimize", "renovate[bot]", True, None),
    ],
)
def test_comments_are_screened(body: str, login: str, bot: bool, reason: str | None) -> None:
    ask = _comment_ask(body, login, bot)
    found = screen_ask(ask, RULES)
    if reason is None:
        assert found == ask
    else:
        assert isinstance(found, Ignored) and found.reason == reason


def test_a_label_needs_no_phrase_but_a_bot_adding_it_is_ignored() -> None:
    person = Ask(thread=THREAD, author=Person(login="alice"), text="target=a.py::f", via="label")
    assert screen_ask(person, RULES) == person
    robot = person.model_copy(update={"author": Person(login="triage[bot]", bot=True)})
    assert isinstance(screen_ask(robot, RULES), Ignored)
