from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciopt.config import Limits, Settings
from ciopt.errors import RequestError
from ciopt.request import (
    LIMIT_KEYS,
    Request,
    asked_keys,
    asked_sha,
    mentions,
    parse_request,
    sanitize,
)

TARGET = "src/pkg/mod.py::func"
BENCH = "benchmarks/test_mod.py"
BASE = f"target={TARGET} bench={BENCH}"


# --- the /optimize trigger --------------------------------------------------------------------


def test_trigger_line_is_parsed() -> None:
    request = parse_request(f"/optimize {BASE}")
    assert request.targets == (TARGET,)
    assert request.bench == (BENCH,)
    assert request.tests == ()
    assert request.limits == {}


@pytest.mark.parametrize("word", ["/OPTIMIZE", "/Optimize", "/oPtImIzE"])
def test_trigger_is_case_insensitive(word: str) -> None:
    assert parse_request(f"{word} {BASE}").targets == (TARGET,)


@pytest.mark.parametrize("decoy", ["/optimizer", "path/optimize", "docs/optimize", "/optimize_x"])
def test_trigger_needs_word_boundaries(decoy: str) -> None:
    # If the decoy were taken for the trigger, its line (naming evil.py) would be parsed.
    text = f"{decoy} target=evil.py::x bench=evil.py\n/optimize {BASE}"
    request = parse_request(text)
    assert request.targets == (TARGET,)
    assert request.bench == (BENCH,)


def test_decoy_alone_is_not_a_trigger() -> None:
    # No trigger: the whole text is read, and "path/optimize" is not a key=value word.
    with pytest.raises(RequestError, match="path/optimize"):
        parse_request(f"path/optimize {BASE}")


def test_text_before_the_trigger_is_ignored() -> None:
    text = f"Hi! please look at target=evil.py::x candidates=99 thanks /optimize {BASE}"
    request = parse_request(text)
    assert request.targets == (TARGET,)
    assert request.limits == {}


def test_only_the_trigger_line_is_read() -> None:
    text = f"Intro line\n/optimize {BASE}\ntarget=other.py::g candidates=2\nbench=x.py"
    request = parse_request(text)
    assert request.targets == (TARGET,)
    assert request.bench == (BENCH,)
    assert request.limits == {}


def test_trigger_with_nothing_after_it_names_no_target() -> None:
    with pytest.raises(RequestError, match="no target"):
        parse_request(f"/optimize\n{BASE}")


# --- fenced blocks ----------------------------------------------------------------------------


def test_fenced_block_with_equals_colons_and_comments() -> None:
    text = (
        "Could you speed this up?\n\n"
        "```ciopt\n"
        "# what to speed up\n"
        f"target = {TARGET}\n"
        f"bench: {BENCH}\n"
        "   # target = evil.py::x\n"
        "\n"
        "candidates: 3\n"
        "max-cost-usd = 1.5\n"
        "```\n"
        "thanks\n"
    )
    request = parse_request(text)
    assert request.targets == (TARGET,)
    assert request.bench == (BENCH,)
    assert request.limits == {"candidates": 3.0, "cost_usd": 1.5}


def test_fence_named_optimize_and_case_insensitive() -> None:
    text = f"```Optimize\ntarget={TARGET}\nbench={BENCH}\n```"
    assert parse_request(text).targets == (TARGET,)


def test_fenced_block_values_are_shell_quoted() -> None:
    text = f'```ciopt\ntarget = {TARGET}\nbench = "{BENCH} benchmarks/b.py"\nslug = "my slug"\n```'
    request = parse_request(text)
    assert request.bench == (BENCH, "benchmarks/b.py")
    assert request.slug == "my slug"


def test_unknown_key_in_fence_is_an_error() -> None:
    with pytest.raises(RequestError, match="colour"):
        parse_request(f"```ciopt\ntarget={TARGET}\nbench={BENCH}\ncolour: red\n```")


# --- quoting, repetition ----------------------------------------------------------------------


def test_quoted_values() -> None:
    request = parse_request(
        f"/optimize target={TARGET} bench='{BENCH} benchmarks/b.py' slug=\"a slug with spaces\""
    )
    assert request.bench == (BENCH, "benchmarks/b.py")
    assert request.slug == "a slug with spaces"


def test_unbalanced_quote_is_a_request_error() -> None:
    with pytest.raises(RequestError, match="quote"):
        parse_request(f"/optimize {BASE} slug='oops")


def test_repeated_and_comma_separated_targets_and_bench() -> None:
    request = parse_request(
        "/optimize target=a.py::f,b.py::g target=pkg/c.py::C.m "
        "bench=b1.py bench=b2.py,b3.py::test_x tests=t1.py,t2.py"
    )
    assert request.targets == ("a.py::f", "b.py::g", "pkg/c.py::C.m")
    assert request.bench == ("b1.py", "b2.py", "b3.py::test_x")
    assert request.tests == ("t1.py", "t2.py")


def test_word_without_equals_is_refused() -> None:
    with pytest.raises(RequestError, match="fast"):
        parse_request(f"/optimize {BASE} fast")


def test_empty_value_is_refused() -> None:
    with pytest.raises(RequestError):
        parse_request(f"/optimize {BASE} candidates=")


# --- keys and values --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "field"),
    [
        ("candidates", "candidates"),
        ("max_llm_calls", "llm_calls"),
        ("max_cost_usd", "cost_usd"),
        ("max_input_tokens", "input_tokens"),
        ("max_output_tokens", "output_tokens"),
        ("max_bench_seconds", "bench_seconds"),
        ("max_subprocess_calls", "subprocess_calls"),
    ],
)
def test_limit_keys_map_into_limits(key: str, field: str) -> None:
    request = parse_request(f"/optimize {BASE} {key}=3")
    assert request.limits == {field: 3.0}
    assert request.limit_overrides == {field: 3.0}


def test_every_limit_has_a_request_key() -> None:
    keyed = set(LIMIT_KEYS.values()) | {"wall_seconds"}  # max_minutes
    assert keyed == set(Limits.model_fields)


def test_max_output_mb_is_in_mebibytes() -> None:
    request = parse_request(f"/optimize {BASE} max_output_mb=1.5")
    assert request.limits == {"output_bytes": 1.5 * 1024 * 1024}
    limits, notes = Limits().narrowed(**request.limit_overrides)
    assert limits.output_bytes == 1572864
    assert notes == []


@pytest.mark.parametrize(
    ("word", "field"),
    [
        ("max_subprocess_calls=100000", "subprocess_calls"),
        ("max_output_mb=4096", "output_bytes"),
        ("max_input_tokens=10000000", "input_tokens"),
        ("max_minutes=600", "wall_seconds"),
    ],
)
def test_a_request_cannot_raise_a_configured_limit(word: str, field: str) -> None:
    configured = Limits()
    limits, notes = configured.narrowed(**parse_request(f"/optimize {BASE} {word}").limit_overrides)
    assert getattr(limits, field) == getattr(configured, field)
    assert [n.split("=")[0] for n in notes] == [field]
    assert "capped at the configured" in notes[0]


def test_a_request_lowers_the_new_limits() -> None:
    request = parse_request(f"/optimize {BASE} max_subprocess_calls=40 max_output_mb=8")
    limits, notes = Limits().narrowed(**request.limit_overrides)
    assert (limits.subprocess_calls, limits.output_bytes) == (40, 8 * 1024 * 1024)
    assert notes == []


def test_zero_subprocess_calls_is_a_request_error() -> None:
    request = parse_request(f"/optimize {BASE} max_subprocess_calls=0")
    with pytest.raises(RequestError, match="subprocess_calls=0"):
        Limits().narrowed(**request.limit_overrides)


def test_cost_and_candidates() -> None:
    request = parse_request(f"/optimize {BASE} max_cost_usd=2 candidates=3")
    assert request.limits["cost_usd"] == 2.0
    assert isinstance(request.limits["cost_usd"], float)
    assert request.limits["candidates"] == 3


def test_keys_are_case_and_dash_insensitive() -> None:
    request = parse_request(f"/optimize {BASE} Max-Cost-USD=0.5")
    assert request.limits == {"cost_usd": 0.5}


def test_max_minutes_becomes_wall_seconds() -> None:
    request = parse_request(f"/optimize {BASE} max_minutes=1.5 max_llm_calls=4")
    assert request.max_minutes == 1.5
    assert request.limit_overrides == {"wall_seconds": 90.0, "llm_calls": 4.0}
    assert "wall_seconds" not in request.limits


def test_no_max_minutes_means_no_wall_override() -> None:
    assert "wall_seconds" not in parse_request(f"/optimize {BASE}").limit_overrides


def test_statistics_keys() -> None:
    request = parse_request(f"/optimize {BASE} rounds=20 min_effect=0.05 confidence=0.95")
    assert request.rounds == 20
    assert request.min_effect == 0.05
    assert request.confidence == 0.95


@pytest.mark.parametrize(
    ("word", "key"),
    [("rounds=2", "rounds"), ("confidence=1", "confidence"), ("min_effect=0", "min_effect")],
)
def test_out_of_range_statistics_keys(word: str, key: str) -> None:
    with pytest.raises(RequestError, match=key):
        parse_request(f"/optimize {BASE} {word}")


def test_unknown_key_is_named() -> None:
    with pytest.raises(RequestError, match="'speed'"):
        parse_request(f"/optimize {BASE} speed=fast")


def test_missing_target() -> None:
    with pytest.raises(RequestError, match="no target"):
        parse_request(f"/optimize bench={BENCH}")


def test_missing_bench() -> None:
    with pytest.raises(RequestError, match="no bench"):
        parse_request(f"/optimize target={TARGET}")


@pytest.mark.parametrize(
    "target",
    [
        "src/pkg/mod.py",
        "src/pkg/mod.py::",
        "src/pkg/mod.txt::func",
        "src/pkg/mod.py::1func",
        "src/pkg/mod.py::func-x",
        "src/pkg/mod.py::Cls..method",
        "src/pkg/mod.py::func()",
        "::func",
    ],
)
def test_bad_target_syntax(target: str) -> None:
    with pytest.raises(RequestError, match="target"):
        parse_request(f"/optimize target={target} bench={BENCH}")


@pytest.mark.parametrize(
    "target", ["../mod.py::f", "src/../../mod.py::f", "/etc/mod.py::f", "src/pkg/../mod.py::f"]
)
def test_target_outside_repo_refused(target: str) -> None:
    with pytest.raises(RequestError):
        parse_request(f"/optimize target={target} bench={BENCH}")


@pytest.mark.parametrize(
    "word",
    [
        "bench=../b.py",
        "bench=/etc/b.py",
        "bench=benchmarks/../../b.py::test_x",
        "tests=../t.py",
        "tests=/abs/t.py",
    ],
)
def test_selector_outside_repo_refused(word: str) -> None:
    text = f"/optimize target={TARGET} bench={BENCH} {word}"
    with pytest.raises(RequestError, match="selector"):
        parse_request(text)


@pytest.mark.parametrize(
    "word",
    [
        "bench=--rootdir=/",
        "bench=-p",
        "bench=-pno:cacheprovider",
        f"bench={BENCH},-p",
        f"bench='{BENCH} --co'",
        "tests=-k",
        "tests=--import-mode=append",
    ],
)
def test_selectors_that_are_options_refused(word: str) -> None:
    with pytest.raises(RequestError, match="not an option"):
        parse_request(f"/optimize target={TARGET} bench={BENCH} {word}")


def test_selector_naming_an_argument_file_refused() -> None:
    with pytest.raises(RequestError):
        parse_request(f"/optimize target={TARGET} bench=@args.txt")


@pytest.mark.parametrize("word", ["max_cost_usd=-1", "candidates=-3", "max_llm_calls=-0.5"])
def test_negative_limits_refused(word: str) -> None:
    with pytest.raises(RequestError, match="negative"):
        parse_request(f"/optimize {BASE} {word}")


def test_negative_minutes_refused() -> None:
    with pytest.raises(RequestError, match="max_minutes"):
        parse_request(f"/optimize {BASE} max_minutes=-5")


@pytest.mark.parametrize(
    "word", ["max_cost_usd=abc", "candidates=three", "max_bench_seconds=1e", "max_llm_calls=0x10"]
)
def test_non_numeric_limits_refused(word: str) -> None:
    with pytest.raises(RequestError, match="must be a number"):
        parse_request(f"/optimize {BASE} {word}")


@pytest.mark.parametrize("word", ["rounds=many", "max_minutes=soon", "confidence=high"])
def test_non_numeric_statistics_refused(word: str) -> None:
    with pytest.raises(RequestError, match=word.split("=", maxsplit=1)[0]):
        parse_request(f"/optimize {BASE} {word}")


def test_nan_limit_refused() -> None:
    with pytest.raises(RequestError):
        parse_request(f"/optimize {BASE} max_cost_usd=nan")


@pytest.mark.parametrize("word", ["candidates=2.5", "max_subprocess_calls=10.5"])
def test_fractional_count_refused(word: str) -> None:
    with pytest.raises(RequestError, match="whole number"):
        parse_request(f"/optimize {BASE} {word}")


# --- sanitize ---------------------------------------------------------------------------------


def test_sanitize_strips_html_comments() -> None:
    assert sanitize("a<!-- hidden -->b") == "ab"
    assert sanitize("a<!-- one\ntwo -->b<!--x-->c") == "abc"


def test_sanitize_strips_unterminated_comment_to_the_end() -> None:
    stripped = sanitize("keep <!-- hidden\nand more\n")
    assert stripped.rstrip("\n") == "keep "
    assert sanitize("keep <!--") == "keep "


@pytest.mark.parametrize(
    "ch", ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u202e", "\u2066", "\x00", "\x1b"]
)
def test_sanitize_strips_invisible_and_control_characters(ch: str) -> None:
    assert sanitize(f"/opti{ch}mize a{ch}=b") == "/optimize a=b"


def test_sanitize_keeps_newlines_tabs_and_letters() -> None:
    assert sanitize("a\tb\nc é ✓") == "a\tb\nc é ✓"


def test_comment_content_is_not_parsed() -> None:
    request = parse_request(f"/optimize {BASE} <!-- target=evil.py::x candidates=99 -->")
    assert request.targets == (TARGET,)
    assert request.limits == {}


def test_trigger_inside_comment_is_not_parsed() -> None:
    text = f"<!-- /optimize target=evil.py::x bench=evil.py -->\n/optimize {BASE}"
    assert parse_request(text).targets == (TARGET,)


def test_unterminated_comment_content_is_not_parsed() -> None:
    request = parse_request(f"/optimize {BASE} <!-- target=evil.py::x bench=evil.py")
    assert request.targets == (TARGET,)
    assert request.bench == (BENCH,)


def test_comment_hiding_the_only_request_leaves_nothing() -> None:
    with pytest.raises(RequestError, match="no target"):
        parse_request(f"please\n/optimize <!-- {BASE} -->")


def test_invisible_characters_do_not_hide_or_change_words() -> None:
    # What is parsed is what a reader sees: the invisible characters are gone.
    text = f"/opti\u200bmize target=src/pkg/mod.py::fu\u202enc bench={BENCH}\u200b"
    request = parse_request(text)
    assert request.targets == (TARGET,)
    assert request.bench == (BENCH,)


def test_invisible_characters_cannot_split_words() -> None:
    # A zero-width space is not whitespace once stripped: it does not make two words.
    with pytest.raises(RequestError):
        parse_request(f"/optimize target={TARGET}\u200bbench={BENCH}")


# --- branch_slug ------------------------------------------------------------------------------

SAFE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def test_branch_slug_from_target() -> None:
    request = parse_request("/optimize target=src/pkg/Text_Mod.py::Cls.method bench=b.py")
    assert request.branch_slug() == "text-mod-cls-method"


def test_branch_slug_is_stable() -> None:
    text = f"/optimize {BASE} candidates=2"
    assert parse_request(text).branch_slug() == parse_request(text).branch_slug()
    assert parse_request(text).branch_slug() == "mod-func"


def test_branch_slug_from_slug_key_with_odd_characters() -> None:
    request = parse_request(f"/optimize {BASE} slug='Fix: ../../$(rm -rf ~)  Ünïcode!!'")
    slug = request.branch_slug()
    assert SAFE.fullmatch(slug), slug
    assert slug.startswith("fix-rm-rf")


def test_branch_slug_of_only_symbols() -> None:
    assert parse_request(f"/optimize {BASE} slug=!!!").branch_slug() == "run"


def test_branch_slug_is_bounded() -> None:
    slug = parse_request(f"/optimize {BASE} slug={'a' * 200}").branch_slug()
    assert slug == "a" * 60


@settings(max_examples=200, deadline=None, database=None)
@given(st.text())
def test_branch_slug_is_always_safe(raw: str) -> None:
    request = Request(targets=(TARGET,), bench=(BENCH,), slug=raw)
    slug = request.branch_slug()
    assert re.fullmatch(r"[a-z0-9-]+", slug), slug
    assert not slug.startswith("-")
    assert len(slug) <= 60


def test_allow_and_float_tolerance() -> None:
    r = parse_request(
        "/optimize target=src/m.py::f bench=benchmarks allow=src/m.py,src/helpers/*.py rel_tol=1e-9"
    )
    assert r.allow == ("src/m.py", "src/helpers/*.py")
    assert r.rel_tol == 1e-9


@pytest.mark.parametrize("word", ["allow=../x.py", "allow=/etc/passwd", "allow=-p", "rel_tol=2"])
def test_bad_allow_and_tolerance_refused(word: str) -> None:
    with pytest.raises(RequestError):
        parse_request(f"/optimize target=src/m.py::f bench=b {word}")


@pytest.mark.parametrize(
    ("text", "asked"),
    [
        ("/optimize", True),
        ("Could you /Optimize target=a.py::f please", True),
        ("(/optimize)", True),
        ("/optimizer", False),
        ("/optimize-all", False),
        ("see a/optimize", False),
        ("> /optimize\nI agree", False),
        ("```\n/optimize\n```", False),
        ("<!-- /optimize -->", False),
        ("/opt\u200bimize", True),  # invisible characters are stripped first
    ],
)
def test_the_trigger_phrase_matches_whole_words_in_any_case(text: str, asked: bool) -> None:
    assert mentions(text) is asked


def test_a_configured_phrase_is_matched_literally() -> None:
    assert mentions("hey @ciopt-bot speed this up", "@ciopt-bot")
    assert not mentions("hey @ciopt-botnet", "@ciopt-bot")
    request = parse_request("@ciopt-bot target=a.py::f bench=b", "@ciopt-bot")
    assert request.targets == ("a.py::f",)


def test_defaults_fill_only_what_the_text_leaves_out() -> None:
    defaults = {"targets": ("src/m.py::changed",), "bench": ("benchmarks",)}
    plain = parse_request("/optimize", defaults=defaults)
    assert plain.targets == ("src/m.py::changed",) and plain.bench == ("benchmarks",)
    named = parse_request("/optimize target=src/m.py::f", defaults=defaults)
    assert named.targets == ("src/m.py::f",) and named.bench == ("benchmarks",)
    assert asked_keys("/optimize target=src/m.py::f rounds=5") == {"target", "rounds"}
    assert asked_keys("/optimize 'unbalanced") == set()


# --- what counts as the trigger: prose of the author's, not quotes or code -------------------

EVIL = "target=evil.py::x bench=evil.py rel_tol=0.5 candidates=99"
CHANGED = {"targets": ("src/m.py::changed",), "bench": ("benchmarks",)}


@pytest.mark.parametrize(
    "hidden",
    [
        f"> /optimize {EVIL}",  # a quote-reply
        f"> Could you run this?\n/optimize {EVIL}",  # a line that goes on the quoted paragraph
        f"- > /optimize {EVIL}",  # a quote in a list item
        f"> > /optimize {EVIL}",
        f"`/optimize {EVIL}`",  # inline code
        f"Run ``/optimize ` {EVIL}`` to ask.",  # inline code holding a backtick
        f"see `the\n/optimize {EVIL}` text",  # inline code across lines
        f"- `a\n- b` /optimize {EVIL} `c`",  # inline code of a list item's own
        f"intro\n\n    /optimize {EVIL}",  # an indented code block
        f"\t/optimize {EVIL}",
        f"- item\n\n      /optimize {EVIL}",
        f"```\n/optimize {EVIL}\n```",
        f"~~~text\n/optimize {EVIL}\n~~~",
        f"````\n```\n/optimize {EVIL}\n````",  # a shorter fence does not close a longer one
        f"- ```\n  /optimize {EVIL}\n  ```",  # a fence in a list item
        # read as the forge reads it, before invisible characters go and NFKC:
        f"``a`\u200b` /optimize {EVIL} ``",  # a zero-width space parts two backticks
        f"`a \uff40 /optimize {EVIL}`",  # a fullwidth grave accent is no backtick
        f"> quoted\r\n/optimize {EVIL}",
    ],
)
def test_a_trigger_in_a_quote_or_in_code_is_not_one(hidden: str) -> None:
    assert not mentions(hidden)
    # the author's own bare trigger after it runs the defaults, not the hidden keys
    text = f"{hidden}\n\n/optimize"
    assert mentions(text)
    request = parse_request(text, defaults=CHANGED)
    assert request.targets == ("src/m.py::changed",)
    assert (request.rel_tol, request.limits) == (None, {})
    assert asked_keys(text) == set()  # a pull request's changed functions fill target=
    # and with keys of the author's own, those are read
    assert parse_request(f"{hidden}\n\n/optimize {BASE}").targets == (TARGET,)


@pytest.mark.parametrize(
    "text",
    [
        "please\n    /optimize",  # four spaces go on a paragraph: not code
        "\\`/optimize\\`",  # escaped backticks are no code
        "`code` then /optimize",
        "```\ncode\n```\n/optimize",
        "> quoted\n\n/optimize",
        "1. first\n2. /optimize",
    ],
)
def test_a_trigger_in_prose_counts(text: str) -> None:
    assert mentions(text)


def test_a_request_whose_trigger_is_only_quoted_or_in_code_is_refused() -> None:
    with pytest.raises(RequestError, match="only quoted or in code"):
        parse_request(f"> /optimize {BASE}")
    with pytest.raises(RequestError, match="only quoted or in code"):
        parse_request(f"Use `/optimize {BASE}` to ask")


def test_words_outside_the_trigger_line_are_not_keys() -> None:
    text = f"/optimize {BASE}\n> rel_tol=0.5\n    candidates=99\n`max_cost_usd=100`"
    request = parse_request(text)
    assert (request.rel_tol, request.limits) == (None, {})


@pytest.mark.parametrize(
    "hidden",
    [
        f"````\n```ciopt\n{EVIL}\n```\n````",  # a ciopt block shown inside another block
        f"> ```ciopt\n> {EVIL}\n> ```",  # a quoted ciopt block
        f"    ```ciopt\n    {EVIL}\n    ```",  # an indented one is code
        f"```ciopter\n{EVIL}\n```",
    ],
)
def test_only_a_ciopt_block_of_the_authors_own_is_read(hidden: str) -> None:
    request = parse_request(f"{hidden}\n\n/optimize {BASE}")
    assert request.targets == (TARGET,) and request.limits == {}


def test_the_first_ciopt_block_is_read_with_tildes_too() -> None:
    text = f"~~~ciopt\ntarget = {TARGET}\nbench = {BENCH}\n~~~\n```ciopt\n{EVIL}\n```"
    request = parse_request(text)
    assert request.targets == (TARGET,) and request.limits == {}


# --- a request only tightens the settings -----------------------------------------------------

CONFIGURED = Settings(rounds=50, time_budget=60, rel_tol=1e-9, min_effect=0.02, confidence=0.99)


@pytest.mark.parametrize(
    ("word", "key", "note"),
    [
        ("rel_tol=0.99", "rel_tol", "rel_tol=0.99 capped at the configured 1e-09"),
        ("rounds=150", "rounds", "rounds=150 capped at the configured 50"),
        ("time_budget=3000", "time_budget", "time_budget=3000 capped at the configured 60"),
        ("min_effect=0.001", "min_effect", "min_effect=0.001 raised to the configured 0.02"),
        ("confidence=0.6", "confidence", "confidence=0.6 raised to the configured 0.99"),
    ],
)
def test_a_request_cannot_loosen_a_setting(word: str, key: str, note: str) -> None:
    asked = parse_request(f"/optimize {BASE} {word}")
    held, notes = asked.tightened(CONFIGURED.model_dump())
    assert getattr(held, key) is None  # None: the configured value
    assert notes == [note]


def test_a_request_may_tighten_every_setting() -> None:
    words = "rel_tol=1e-12 rounds=20 time_budget=10 min_effect=0.05 confidence=0.999"
    asked = parse_request(f"/optimize {BASE} {words}")
    held, notes = asked.tightened(CONFIGURED.model_dump())
    assert held == asked and notes == []
    assert (held.rel_tol, held.rounds, held.time_budget) == (1e-12, 20, 10)
    assert (held.min_effect, held.confidence) == (0.05, 0.999)


def test_an_exact_tolerance_cannot_be_loosened_by_default() -> None:
    held, notes = parse_request(f"/optimize {BASE} rel_tol=0.5").tightened(Settings().model_dump())
    assert held.rel_tol is None and notes == ["rel_tol=0.5 capped at the configured 0"]


def test_allow_stays_inside_the_configured_allowed_paths() -> None:
    configured = Settings(allowed_paths=["src/textkit/*.py"]).model_dump()
    inside = parse_request(f"/optimize {BASE} allow=src/textkit/tokens.py,src/textkit/*.py")
    assert inside.tightened(configured) == (inside, [])
    wider = parse_request(f"/optimize {BASE} allow=src/textkit/tokens.py,src/**,src/textkit/?.py")
    held, notes = wider.tightened(configured)
    assert held.allow == ("src/textkit/tokens.py",)
    assert notes == [
        "allow: 2 of 3 path(s) are not inside the configured allowed_paths and were dropped"
    ]
    outside = parse_request(f"/optimize {BASE} allow=setup.py")
    assert outside.tightened(configured)[0].allow == ()  # () falls back to allowed_paths
    # with no allowed_paths configured, allow widens the default (the target's files)
    assert wider.tightened(Settings().model_dump()) == (wider, [])


@pytest.mark.parametrize("value", ["1a2b3c4d5e6f", "1A2B3C4D5E6F0", "f" * 40])
def test_sha_pins_the_commit_to_run_by_a_prefix(value: str) -> None:
    text = f"/optimize target=src/m.py::f bench=b.py sha={value}"
    assert parse_request(text).sha == asked_sha(text) == value.lower()
    assert parse_request("/optimize target=src/m.py::f bench=b.py").sha is None
    assert asked_sha("/optimize target=src/m.py::f") is None


@pytest.mark.parametrize(
    "value", ["1a2b3c4", "1a2b3c4d5e6", "g1a2b3c4d5e6f", "f" * 41, "HEAD", "main~1"]
)
def test_a_sha_that_is_not_12_to_40_hex_digits_is_refused(value: str) -> None:
    """A 7-digit prefix is not enough: a fork's author can make a commit to match one."""
    text = f"/optimize target=src/m.py::f bench=b.py sha={value}"
    with pytest.raises(RequestError, match="is not a commit; give 12 to 40 hexadecimal digits"):
        parse_request(text)
    with pytest.raises(RequestError, match="is not a commit"):
        asked_sha(text)


@pytest.mark.parametrize(
    "text",
    [
        f"/optimize {BASE} trace_sinks=s3://elsewhere",
        f"/optimize {BASE} trace-sinks=otlp",
        f"```ciopt\ntarget={TARGET}\nbench={BENCH}\ntrace_sinks = http://attacker:4318\n```",
    ],
)
def test_a_request_cannot_name_where_the_trace_goes(text: str) -> None:
    """Trace sinks come from the repository's settings only: a stranger's comment that could
    name one could have the trace sent to itself."""
    with pytest.raises(RequestError, match="unknown request key 'trace_sinks'"):
        parse_request(text)
    assert "trace_sinks" not in Request.model_fields


# --- a request without a target: its targets are discovered ------------------------------------


def test_a_request_may_leave_its_targets_to_discovery() -> None:
    request = parse_request(f"/optimize bench={BENCH} top=2", discover=True)
    assert request.targets == () and request.top == 2
    with pytest.raises(RequestError, match="no target"):
        parse_request(f"/optimize bench={BENCH}")  # without discovery, a target is needed
    named = parse_request(f"/optimize {BASE}", defaults={"targets": ("a.py::f",)}, discover=True)
    assert named.targets == (TARGET,)  # what the request names comes first, then defaults
    assert parse_request(
        f"/optimize bench={BENCH}", defaults={"targets": ("a.py::f",)}, discover=True
    )


@pytest.mark.parametrize("word", ["top=0", "top=21", "top=two"])
def test_top_is_a_small_whole_number(word: str) -> None:
    with pytest.raises(RequestError, match="request key top"):
        parse_request(f"/optimize bench={BENCH} {word}", discover=True)


def test_top_only_tightens_the_configured_number_of_targets() -> None:
    configured = Settings(discover_top=3).model_dump()
    fewer = parse_request(f"/optimize bench={BENCH} top=2", discover=True)
    assert fewer.tightened(configured) == (fewer, [])
    held, notes = parse_request(f"/optimize bench={BENCH} top=9", discover=True).tightened(
        configured
    )
    assert held.top is None and notes == ["top=9 capped at the configured 3"]
