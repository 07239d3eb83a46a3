from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
import pickle
import random
import re
import string
import uuid
from pathlib import Path

import pytest

from ciopt.trace.redact import KEY_VARIABLE, SECRET_NAME, Redactor

KEY = "test-redaction-key"
GHP = "ghp_" + "A1b2C3d4E5" * 3 + "F6g7H8"  # ghp_ + 36
GITHUB_PAT = "github_pat_11ABCDEFG0" + "x" * 12 + "_" + "Yz9" * 20
GLPAT = "glpat-" + "aB3_xY9-" * 3 + "Q"
AWS = "AKIA" + "IOSFODNN7EXAMPLE"
AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
OPENAI = "sk-proj-" + "Abc123_-" * 6 + "Z"
ANTHROPIC = "sk-ant-api03-" + "Xy7_kQ2-Lm9pR4sT" * 4 + "AA"
SLACK = "xoxb-" + "2048613571-" + "4096127943-" + "kA9dF3hJ5lZ7xC1vB8nM2qW6"
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
    ".eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
    ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gun\n"
    "VTLw7onLRnrq0/IzW7yWR7QkrmBL7jTKEn5u+qKhbwKfBstIs+bMY2Zkp18gnTxK\n"
    "-----END RSA PRIVATE KEY-----"
)
RANDOM_KEY = "q7Xv2LpR9sKd4TzW8mNc3HbY6fJg"  # 28 characters of a random API key
TAG = re.compile(r"\[REDACTED:[a-z_]+:[0-9a-f]{12}\]")


def tag(rule: str, secret: str, key: str = KEY) -> str:
    digest = hmac.new(key.encode(), secret.encode(), hashlib.sha256).hexdigest()
    return f"[REDACTED:{rule}:{digest[:12]}]"


def test_secret_env_values_are_replaced() -> None:
    environ = {
        "OPENAI_API_KEY": "openai-value-123",
        "GITHUB_TOKEN": "github-token-value",
        "MY_PASSWORD": "hunter2hunter2",
        "PATH": "/usr/local/bin:/usr/bin",
        "HOME": "/home/runner",
        KEY_VARIABLE: KEY,
    }
    redactor = Redactor.from_environ(environ)
    text = "key openai-value-123 tok github-token-value pw hunter2hunter2"
    assert redactor.text(text) == (
        f"key {tag('env', 'openai-value-123')} tok {tag('env', 'github-token-value')} "
        f"pw {tag('env', 'hunter2hunter2')}"
    )


@pytest.mark.parametrize(
    "name",
    ["OPENAI_API_KEY", "GITHUB_TOKEN", "MY_PASSWORD", "DB_PASSWD", "AWS_SECRET_ACCESS_KEY",
     "ANTHROPIC_APIKEY", "gitlab_token", "SESSION_COOKIE", "GCP_CREDENTIALS", "STRIPE_KEY",
     "ssh-key", "KEY_FILE_CONTENT"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    redactor = Redactor.from_environ({name: "s3cr3t-v4lue", KEY_VARIABLE: KEY})
    assert redactor.text("x=s3cr3t-v4lue;") == f"x={tag('env', 's3cr3t-v4lue')};"


@pytest.mark.parametrize(
    "name", ["PATH", "HOME", "USER", "LANG", "PWD", "CI", "KEYBOARD_LAYOUT", "MONKEY", "KEYS"]
)
def test_non_secret_names_are_not_used(name: str) -> None:
    redactor = Redactor.from_environ({name: "/home/runner/work"})
    assert redactor.text("cd /home/runner/work") == "cd /home/runner/work"


def test_short_values_are_not_redacted() -> None:
    redactor = Redactor.from_environ(
        {"GITHUB_TOKEN": "abc12", "MY_PASSWORD": "abcdef", KEY_VARIABLE: KEY}
    )
    assert redactor.text("abc12 and abcdef") == f"abc12 and {tag('env', 'abcdef')}"
    assert Redactor(["", "12345"]).text("12345") == "12345"


def test_longest_secret_first() -> None:
    redactor = Redactor(["secret", "secret-longer"], key=KEY)
    assert redactor.text("a secret-longer b secret") == (
        f"a {tag('env', 'secret-longer')} b {tag('env', 'secret')}"
    )


def test_every_occurrence_is_replaced() -> None:
    once = tag("env", "abcdef")
    assert Redactor(["abcdef"], key=KEY).text("abcdef abcdefabcdef") == f"{once} {once}{once}"


def test_env_values_are_found_inside_json_strings() -> None:
    secret = 'pa"ss\\word'
    redactor = Redactor([secret], key=KEY)
    assert redactor.text(json.dumps({"pw": secret})) == json.dumps({"pw": tag("env", secret)})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"token {GHP} end", f"token {tag('github', GHP)} end"),
        ("gho_" + "z" * 36, tag("github", "gho_" + "z" * 36)),
        (GITHUB_PAT, tag("github", GITHUB_PAT)),
        (f"CI_JOB_TOKEN {GLPAT}.", f"CI_JOB_TOKEN {tag('gitlab', GLPAT)}."),
        (f"id={AWS}", f"id={tag('aws', AWS)}"),
        (f"key_id_{AWS}x", f"key_id_{tag('aws', AWS)}x"),
        (
            f"aws_secret_access_key = {AWS_SECRET}\n",
            f"aws_secret_access_key = {tag('aws', AWS_SECRET)}\n",
        ),
        (
            json.dumps({"AWS_SECRET_ACCESS_KEY": AWS_SECRET}),
            json.dumps({"AWS_SECRET_ACCESS_KEY": tag("aws", AWS_SECRET)}),
        ),
        (f"OPENAI_API_KEY={OPENAI}", f"OPENAI_API_KEY={tag('openai', OPENAI)}"),
        ("sk-" + "q" * 48, tag("openai", "sk-" + "q" * 48)),
        (f"x-api-key: {ANTHROPIC}", f"x-api-key: {tag('anthropic', ANTHROPIC)}"),
        (f"slack {SLACK}", f"slack {tag('slack', SLACK)}"),
        (f"cookie: {JWT};", f"cookie: {tag('jwt', JWT)};"),
        (f"key:\n{PEM}\nend", f"key:\n{tag('private_key', PEM)}\nend"),
        (
            "Authorization: Bearer 0123456789abcdefXYZ",
            f"Authorization: Bearer {tag('bearer', '0123456789abcdefXYZ')}",
        ),
        (
            "git clone https://oauth2:hunter2@gitlab.com/o/r.git",
            f"git clone https://oauth2:{tag('url_credentials', 'hunter2')}@gitlab.com/o/r.git",
        ),
        (
            "DATABASE_URL=postgres://app:p@ss:w0rd@db:5432/app",
            f"DATABASE_URL=postgres://app:{tag('url_credentials', 'p@ss:w0rd')}@db:5432/app",
        ),
        (f"api_key: '{RANDOM_KEY}'", f"api_key: '{tag('entropy', RANDOM_KEY)}'"),
    ],
)  # fmt: skip
def test_rules(text: str, expected: str) -> None:
    assert Redactor(key=KEY).text(text) == expected


def test_a_secret_run_into_another_is_redacted_whole() -> None:
    # github's greedy tail takes "glpat" too; what it leaves is still redacted
    assert Redactor(key=KEY).text(f"{GHP}{GLPAT}.") == (
        tag("github", GHP + "glpat") + tag("entropy", GLPAT.removeprefix("glpat")) + "."
    )


def test_bearer_keeps_the_scheme_and_takes_the_whole_token() -> None:
    token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abc-def_ghi+jk/l~m=="
    assert Redactor(key=KEY).text(f"authorization: bearer {token}") == (
        f"authorization: bearer {tag('bearer', token)}"
    )


def test_a_truncated_private_key_is_redacted_to_its_last_line() -> None:
    truncated = PEM.rsplit("\n", 1)[0]
    redacted = Redactor(key=KEY).text(truncated + "\n(truncated)")
    assert redacted == tag("private_key", truncated) + "\n(truncated)"


def test_the_hash_is_keyed() -> None:
    same = Redactor(key=KEY), Redactor(["unrelated"], key=KEY)
    assert same[0].text(GHP) == same[1].text(GHP) == tag("github", GHP)
    other = Redactor(key="another-key").text(GHP)
    assert TAG.fullmatch(other) and other != tag("github", GHP)
    # without a key, each redactor draws its own: tags agree within a run only
    assert Redactor().text(GHP) != Redactor().text(GHP)


def test_the_key_is_never_written() -> None:
    assert SECRET_NAME.search(KEY_VARIABLE)  # so code under test never sees it either
    redactor = Redactor.from_environ({KEY_VARIABLE: KEY})
    assert redactor.text(f"key={KEY}") == f"key={tag('env', KEY)}"
    assert KEY not in json.dumps(redactor.value({KEY: [KEY]}))


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
        hashlib.sha256(b"ciopt").hexdigest(),
        hashlib.sha256(b"ciopt").hexdigest().upper(),
        "sha256:" + base64.b64encode(hashlib.sha256(b"x").digest()).decode()[:20],
        str(uuid.UUID(int=0x1234_5678_9ABC_DEF0_1234_5678_9ABC_DEF0)),
        str(uuid.uuid4()).upper(),
        "test_dedupe_keeps_first_occurrences_of_1000_tokens",
        "HTTPServer2ConnectionHandlerFactory",
        "/home/runner/work/ciopt/ciopt/src/ciopt/trace/rules.py:42",
        "/Users/JohnDoe/Projects2024/MyApp/src/main.py",
        base64.b64encode(b"aaaa bbbb aaaa bbbb aaaa bbbb aaaa bbbb").decode(),
        "2024-05-01T12:34:56.123456+00:00 and 20240501T123456Z",
        "TheBloke/Llama-2-70B-OASST-1-200-GGUF",
        "benchmarks/test_bench_tokens.py::test_dedupe[1000-words]",
        "[REDACTED:env:0123456789ab] [REDACTED:github]",
    ],
)
def test_ordinary_text_is_left_alone(text: str) -> None:
    assert Redactor().text(text) == text


def test_tags_are_never_redacted_again() -> None:
    redactor = Redactor(["0123456789ab", "REDACTED"], key=KEY)
    text = "[REDACTED:env:0123456789ab] [REDACTED:entropy:0123456789ab]"
    assert redactor.text(text) == text


ALL = [
    GHP,
    GITHUB_PAT,
    GLPAT,
    AWS,
    OPENAI,
    ANTHROPIC,
    SLACK,
    JWT,
    PEM,
    RANDOM_KEY,
    "hunter2hunter2",
]


@pytest.mark.parametrize(
    "text",
    [
        " ".join(ALL),
        "".join(ALL),
        "\n".join(f"{i}: Bearer {s}" for i, s in enumerate(ALL)),
        json.dumps({"k": "\n".join(ALL), "url": "https://u:hunter2@h/x"}),
        f"https://u:{GHP}@h https://{RANDOM_KEY}:{AWS}@host",
        f"aws_secret_access_key={AWS_SECRET}{RANDOM_KEY}",
    ],
)
def test_redacting_twice_changes_nothing(text: str) -> None:
    redactor = Redactor(["hunter2hunter2"])
    once = redactor.text(text)
    assert redactor.text(once) == once
    assert redactor.data(once.encode()) == once.encode()
    for secret in ALL:
        assert secret not in once


def test_json_stays_valid_when_a_secret_follows_an_escape() -> None:
    text = json.dumps({"log": f"line\n{AWS}\t{RANDOM_KEY}\u00e9{GHP}"})
    redacted = Redactor(key=KEY).text(text)
    assert json.loads(redacted) == {
        "log": f"line\n{tag('aws', AWS)}\t{tag('entropy', RANDOM_KEY)}\u00e9{tag('github', GHP)}"
    }


def test_value_recurses() -> None:
    redactor = Redactor(["topsecret"], key=KEY)
    secret = tag("env", "topsecret")
    value = {
        "topsecret-key": ["a topsecret", ("x", GHP)],
        "nested": {"n": 3, "f": 1.5, "b": True, "none": None, "s": "topsecret"},
        GLPAT: {"deeper": [{"token": f"Bearer {RANDOM_KEY}"}]},
        "count": 7,
    }
    assert redactor.value(value) == {
        f"{secret}-key": [f"a {secret}", ["x", tag("github", GHP)]],
        "nested": {"n": 3, "f": 1.5, "b": True, "none": None, "s": secret},
        tag("gitlab", GLPAT): {"deeper": [{"token": f"Bearer {tag('bearer', RANDOM_KEY)}"}]},
        "count": 7,
    }


def test_value_leaves_numbers_alone() -> None:
    redactor = Redactor(["123456"], key=KEY)
    assert redactor.value(123456) == 123456
    assert redactor.value(1.5) == 1.5
    assert redactor.value("123456") == tag("env", "123456")


def test_value_does_not_mutate_input() -> None:
    value = {"k": ["topsecret"]}
    Redactor(["topsecret"]).value(value)
    assert value == {"k": ["topsecret"]}


def test_data_redacts_inside_binary() -> None:
    blob = pickle.dumps({"args": ("pässwörd-ünïcode", GHP), "raw": bytes(range(256)) * 2})
    redactor = Redactor(["pässwörd-ünïcode"], key=KEY)
    redacted = redactor.data(blob)
    assert "pässwörd-ünïcode".encode() not in redacted
    assert GHP.encode() not in redacted
    assert tag("env", "pässwörd-ünïcode").encode() in redacted
    assert tag("github", GHP).encode() in redacted
    assert bytes(range(256)) in redacted  # the rest is untouched
    assert redactor.data(redacted) == redacted
    assert redactor.data(b"\x00\xff plain bytes \x80") == b"\x00\xff plain bytes \x80"


def test_scrub_tree(tmp_path: Path) -> None:
    root = tmp_path / "out"
    (root / "bench" / "deep").mkdir(parents=True)
    log = root / "log.txt"
    log.write_text(f"pushed with {GHP}\nand s3cr3t-v4lue\n")
    bench = root / "bench" / "deep" / "round-1.json"
    bench.write_text(json.dumps({"env": {"note": f"x\n{AWS}"}, "stats": [1.5]}, indent=4))
    blob = root / "bench" / "calls.pkl"
    blob.write_bytes(pickle.dumps([b"\xff\xfe", "s3cr3t-v4lue", SLACK]))
    clean = root / "clean.md"
    clean.write_text("nothing here: 3f786850e387550fdab836ed7e6dc881de23001b\n")
    outside = tmp_path / "outside.txt"
    outside.write_text(GHP)
    (root / "link.txt").symlink_to(outside)

    redactor = Redactor(["s3cr3t-v4lue"], key=KEY)
    assert sorted(redactor.scrub_tree(root)) == sorted([log, bench, blob])

    assert (
        log.read_text() == f"pushed with {tag('github', GHP)}\nand {tag('env', 's3cr3t-v4lue')}\n"
    )
    assert json.loads(bench.read_text())["env"]["note"] == f"x\n{tag('aws', AWS)}"
    data = blob.read_bytes()
    assert b"s3cr3t-v4lue" not in data and SLACK.encode() not in data and b"\xff\xfe" in data
    assert clean.read_text().startswith("nothing here")
    assert outside.read_text() == GHP  # a link is not followed
    assert redactor.scrub_tree(root) == []


# -- a known secret, encoded ------------------------------------------------------------------
ALPHABET = string.ascii_letters + string.digits + string.punctuation + " äöüßé€✓"
B64 = {"standard": base64.b64encode, "urlsafe": base64.urlsafe_b64encode}


def random_secret(seed: int) -> str:
    """A secret of 6 to 48 characters, some of them outside ASCII."""
    rng = random.Random(seed)
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(6, 48)))


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("kind", sorted(B64))
@pytest.mark.parametrize("padded", [True, False])
def test_a_secret_encoded_in_base64_is_redacted(seed: int, kind: str, padded: bool) -> None:
    secret = random_secret(seed)
    encoded = B64[kind](secret.encode()).decode()
    encoded = encoded if padded else encoded.rstrip("=")
    redactor = Redactor([secret], key=KEY)
    assert redactor.text(f"auth: {encoded}\n") == f"auth: {tag('env', secret)}\n"
    as_json = json.dumps({"header": encoded})
    assert redactor.text(as_json) == json.dumps({"header": tag("env", secret)})


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("kind", sorted(B64))
@pytest.mark.parametrize("before", range(6))  # bytes before the secret: each alignment twice
def test_a_secret_inside_a_longer_base64_stream_is_redacted(
    seed: int, kind: str, before: int
) -> None:
    """The secret between other bytes, the whole encoded at once: the characters made of the
    secret's bits alone are replaced, and what is left decodes to no part of it."""
    secret = random_secret(seed)
    raw = secret.encode()
    rng = random.Random(seed * 100 + before)
    head = rng.randbytes(before)
    # the first byte after the secret starts with two 1 bits, so the secret's own padded-out
    # last character never appears in the stream by chance
    tail = bytes([0xC0 | rng.randrange(64)]) + rng.randbytes(rng.randrange(3))
    stream = B64[kind](head + raw + tail).decode()
    first = math.ceil(8 * before / 6)  # the first character holding no bit of `head`
    end = 8 * (before + len(raw)) // 6  # past the last holding no bit of `tail`
    out = Redactor([secret], key=KEY).text(f"blob={stream};")
    assert out == f"blob={stream[:first]}{tag('env', secret)}{stream[end:]};"
    # with the tag back to characters of no information, the secret cannot be decoded
    left = stream[:first] + "A" * (end - first) + stream[end:]
    decoded = base64.b64decode(left.replace("-", "+").replace("_", "/"))
    assert raw not in decoded and raw[1:-1] not in decoded


@pytest.mark.parametrize("seed", range(12))
def test_a_secret_in_hex_either_case_or_reversed_is_redacted(seed: int) -> None:
    secret = random_secret(seed)
    hexed = secret.encode().hex()
    redactor = Redactor([secret], key=KEY)
    mark = tag("env", secret)
    assert redactor.text(f"x {hexed} y") == f"x {mark} y"
    assert redactor.text(f"x {hexed.upper()} y") == f"x {mark} y"
    assert redactor.text(f"x {secret[::-1]} y") == f"x {mark} y"
    assert redactor.text(f"0x{hexed}00") == f"0x{mark}00"  # inside a longer hex string


def test_encoded_secrets_are_found_in_binary_files(tmp_path: Path) -> None:
    secret = random_secret(99)
    blob = tmp_path / "recording.pkl"
    blob.write_bytes(
        pickle.dumps({
            "b64": base64.b64encode(b"user:" + secret.encode()),
            "hex": secret.encode().hex(),
            "raw": bytes(range(256)),
        })
    )  # fmt: skip
    Redactor([secret], key=KEY).scrub_tree(blob)
    data = blob.read_bytes()
    assert secret.encode().hex().encode() not in data
    for form in (base64.b64encode(b"user:" + secret.encode()), secret.encode()):
        assert form not in data
    assert data.count(tag("env", secret).encode()) == 2 and bytes(range(256)) in data


def test_known_secrets_leave_other_encoded_data_alone() -> None:
    """Twenty known secrets change nothing in other data (which the rules may still redact)."""
    redactor = Redactor([random_secret(seed) for seed in range(20)], key=KEY)
    rng = random.Random(7)
    other = rng.randbytes(3000)
    text = "\n".join([
        base64.b64encode(other).decode(),
        base64.urlsafe_b64encode(other).decode(),
        other.hex(),
        "The quick brown fox jumps over the lazy dog; tests passed in 0.42s.",
    ])  # fmt: skip
    assert redactor.text(text) == Redactor(key=KEY).text(text)
