from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ciopt.config import Limits
from ciopt.errors import RequestError
from ciopt.request import LIMIT_KEYS, Request, asked_keys, mentions, parse_request, sanitize

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
