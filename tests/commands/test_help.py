"""``--help`` for people: what ciopt does first, and every command ending with examples that
are commands ciopt accepts."""

from __future__ import annotations

import shlex

import pytest

from ciopt.cli import commands_of, parser
from ciopt.commands import EXAMPLES

NAMES = [name for name, _ in commands_of(parser())]


def test_the_top_help_says_what_ciopt_does_and_shows_three_commands() -> None:
    text = parser().format_help()
    about = text.split("\n\n")[1].splitlines()
    assert len(about) == 2 and about[0].startswith("ciopt finds faster versions")
    shown = [line.split()[1] for line in text.splitlines() if line.startswith("  ciopt ")]
    assert shown == ["run", "compare", "discover"]
    assert "errors become messages" not in text  # a sentence for ciopt's developers


@pytest.mark.parametrize("name", NAMES)
def test_every_command_help_ends_with_an_example(name: str) -> None:
    command = dict(commands_of(parser()))[name]
    text = command.format_help().rstrip()
    tail = text.split("\n\n")[-1].splitlines()
    assert tail[0] in ("example:", "examples:")
    assert all(line.startswith(f"  ciopt {name}") for line in tail[1:]), tail


@pytest.mark.parametrize(
    "example", [line for name in NAMES for line in EXAMPLES[name]], ids=lambda e: e[:40]
)
def test_every_example_is_a_command_ciopt_accepts(example: str) -> None:
    words = shlex.split(example.split("#", maxsplit=1)[0].split(">", maxsplit=1)[0])
    assert words[0] == "ciopt"
    args = parser().parse_args(words[1:])  # a wrong flag or a missing argument exits here
    assert args.command == words[1]


def test_no_example_is_left_without_a_command() -> None:
    assert set(EXAMPLES) == set(NAMES)
