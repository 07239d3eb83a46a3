"""Which asks are requests: the rules every forge shares.

A comment counts only when it says the trigger phrase, was not written by ciopt (its hidden
marker, or its login), and was not written by another bot unless that bot is allowed.
"""

from __future__ import annotations

from ciopt.forges.base import MARKER, Ask, Ignored, Person, Rules
from ciopt.request import mentions

__all__ = ["screen_ask"]


def screen_ask(ask: Ask, rules: Rules) -> Ask | Ignored:
    """``ask`` if it is a request ciopt should answer, else why not."""
    if _is_me(ask.author, rules):
        return Ignored(reason="own_comment", message="the event is ciopt's own doing")
    if ask.comment is not None and MARKER in ask.comment.body:
        return Ignored(reason="own_comment", message="the comment is one of ciopt's own")
    if ask.author.is_bot and not _allowed_bot(ask.author, rules):
        return Ignored(
            reason="bot",
            message=f"@{ask.author.login} is a bot; list it in allowed_bots to let it ask",
        )
    if ask.via == "comment" and not mentions(ask.text, rules.phrase):
        return Ignored(reason="not_triggered", message=f"the comment does not say {rules.phrase}")
    return ask


def _is_me(person: Person, rules: Rules) -> bool:
    return bool(rules.me) and person.login.lower() == rules.me.lower()


def _allowed_bot(person: Person, rules: Rules) -> bool:
    return person.login.lower() in {b.lower() for b in rules.allowed_bots}
