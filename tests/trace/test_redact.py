from __future__ import annotations

import pytest

from ciopt.trace.redact import Redactor

GHP = "ghp_" + "A1b2C3d4E5" * 3 + "F6g7H8"  # ghp_ + 36
GITHUB_PAT = "github_pat_11ABCDEFG0" + "x" * 12 + "_" + "Yz9" * 20
GLPAT = "glpat-" + "aB3_xY9-" * 3 + "Q"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
OPENAI = "sk-proj-" + "Abc123_-" * 6 + "Z"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)


def test_secret_env_values_are_replaced() -> None:
    environ = {
        "OPENAI_API_KEY": "openai-value-123",
        "GITHUB_TOKEN": "github-token-value",
        "MY_PASSWORD": "hunter2hunter2",
        "PATH": "/usr/local/bin:/usr/bin",
        "HOME": "/home/runner",
    }
    redactor = Redactor.from_environ(environ)
    text = "key openai-value-123 tok github-token-value pw hunter2hunter2"
    assert redactor.text(text) == "key [REDACTED:env] tok [REDACTED:env] pw [REDACTED:env]"


@pytest.mark.parametrize(
    "name",
    ["OPENAI_API_KEY", "GITHUB_TOKEN", "MY_PASSWORD", "DB_PASSWD", "AWS_SECRET_ACCESS_KEY",
     "ANTHROPIC_APIKEY", "gitlab_token", "SESSION_COOKIE", "GCP_CREDENTIALS"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    redactor = Redactor.from_environ({name: "s3cr3t-v4lue"})
    assert redactor.text("x=s3cr3t-v4lue;") == "x=[REDACTED:env];"


@pytest.mark.parametrize("name", ["PATH", "HOME", "USER", "LANG", "PWD", "CI"])
def test_non_secret_names_are_not_used(name: str) -> None:
    redactor = Redactor.from_environ({name: "/home/runner/work"})
    assert redactor.text("cd /home/runner/work") == "cd /home/runner/work"


def test_short_values_are_not_redacted() -> None:
    redactor = Redactor.from_environ({"GITHUB_TOKEN": "abc12", "MY_PASSWORD": "abcdef"})
    assert redactor.text("abc12 and abcdef") == "abc12 and [REDACTED:env]"
    assert Redactor(["", "12345"]).text("12345") == "12345"


def test_longest_secret_first() -> None:
    redactor = Redactor(["secret", "secret-longer"])
    assert redactor.text("a secret-longer b secret") == "a [REDACTED:env] b [REDACTED:env]"


def test_every_occurrence_is_replaced() -> None:
    assert Redactor(["abcdef"]).text("abcdef abcdefabcdef") == (
        "[REDACTED:env] [REDACTED:env][REDACTED:env]"
    )


@pytest.mark.parametrize(
    ("token", "rule"),
    [
        (GHP, "github"),
        ("gho_" + "z" * 36, "github"),
        (GITHUB_PAT, "github"),
        (GLPAT, "gitlab"),
        (AWS, "aws"),
        (OPENAI, "openai"),
        ("sk-" + "q" * 48, "openai"),
        (PEM, "private_key"),
    ],
)
def test_token_patterns(token: str, rule: str) -> None:
    redactor = Redactor()
    assert redactor.text(f"before {token} after") == f"before [REDACTED:{rule}] after"


def test_bearer_header() -> None:
    text = "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-def_ghi+jk/l~m=="
    assert Redactor().text(text) == "Authorization: [REDACTED:bearer]"
    assert Redactor().text("authorization: bearer 0123456789abcdefXYZ") == (
        "authorization: [REDACTED:bearer]"
    )


@pytest.mark.parametrize(
    "text",
    [
        "ghp_short",
        "AKIA123",
        "akia" + "IOSFODNN7EXAMPLE".lower(),
        "a task-list-of-things-to-do-today",
        "the bearer of bad news",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
        "sha 3f786850e387550fdab836ed7e6dc881de23001b",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert Redactor().text(text) == text


def test_value_recurses() -> None:
    redactor = Redactor(["topsecret"])
    value = {
        "topsecret-key": ["a topsecret", ("x", GHP)],
        "nested": {"n": 3, "f": 1.5, "b": True, "none": None, "s": "topsecret"},
        "count": 7,
    }
    assert redactor.value(value) == {
        "[REDACTED:env]-key": ["a [REDACTED:env]", ["x", "[REDACTED:github]"]],
        "nested": {"n": 3, "f": 1.5, "b": True, "none": None, "s": "[REDACTED:env]"},
        "count": 7,
    }


def test_value_leaves_numbers_alone() -> None:
    redactor = Redactor(["123456"])
    assert redactor.value(123456) == 123456
    assert redactor.value(1.5) == 1.5
    assert redactor.value("123456") == "[REDACTED:env]"


def test_value_does_not_mutate_input() -> None:
    value = {"k": ["topsecret"]}
    Redactor(["topsecret"]).value(value)
    assert value == {"k": ["topsecret"]}
