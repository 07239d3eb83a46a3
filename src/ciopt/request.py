"""The optimization request: what to speed up, measured how, within which budget.

A request is untrusted text (an issue body, a comment, a CLI flag). It is sanitised, then parsed
into ``key=value`` words, either after a ``/optimize`` trigger or inside a fenced block::

    /optimize target=src/textkit/tokens.py::dedupe bench=benchmarks/test_tokens.py candidates=4

    ```ciopt
    target = src/textkit/tokens.py::dedupe
    bench = benchmarks/test_tokens.py
    ```

Only what its author wrote as prose counts: the trigger on a line outside quoted replies
(``> ...``), code blocks (fenced or indented) and inline code, and the words after it on that
line; or the first ``ciopt`` block outside quotes and other code blocks. A request may tighten
what the repository's settings allow, never loosen it (``TIGHTER``, ``Request.tightened``).

It is never given to a shell: values become argument-list items after validation.
"""

from __future__ import annotations

import fnmatch
import math
import re
import shlex
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ciopt.errors import RequestError
from ciopt.prose import read_markdown, sanitize

__all__ = [
    "Request",
    "asked_keys",
    "asked_sha",
    "mentions",
    "parse_request",
    "sanitize",
    "selector_paths",
    "trigger",
]

TRIGGER_PHRASE = "/optimize"
TARGET = re.compile(r"^(?P<path>[\w./-]+\.py)::(?P<qualname>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)$")

# request key -> the limit it lowers (``max_minutes`` is a field: it becomes wall_seconds)
LIMIT_KEYS = {
    "candidates": "candidates",
    "max_llm_calls": "llm_calls",
    "max_cost_usd": "cost_usd",
    "max_input_tokens": "input_tokens",
    "max_output_tokens": "output_tokens",
    "max_bench_seconds": "bench_seconds",
    "max_subprocess_calls": "subprocess_calls",
    "max_output_mb": "output_bytes",
}
LIMIT_UNITS = {"max_output_mb": 1024 * 1024}  # request unit -> the limit's (MiB -> bytes)

# The settings a request may change, and which way is tighter. A value that would loosen one is
# held at the configured value, with a note, as a limit is (``config.Limits.narrowed``):
#   time_budget  seconds of measurement per comparison: less spends less, and a shorter
#                measurement can only claim less (its interval is wider, its error rate the same)
#   rounds       most rounds per comparison: likewise (a cap on effort, not a floor on power: the
#                error rate is spent over the looks whatever their number)
#   rel_tol      the float tolerance of the correctness proof: smaller is stricter
#   min_effect   the smallest speedup that is claimed: larger claims less
#   confidence   larger claims less
#   top          how many discovered targets a request that names none gets (the setting
#                ``discover_top``): fewer spends less
# ``allow`` (path globs a candidate may change) may only name what ``allowed_paths`` allows, when
# it is configured; the limits (``LIMIT_KEYS``, ``max_minutes``) may only be lowered.
TIGHTER: dict[str, Literal["lower", "higher"]] = {
    "time_budget": "lower",
    "rounds": "lower",
    "rel_tol": "lower",
    "min_effect": "higher",
    "confidence": "higher",
    "top": "lower",
}
SETTING_OF = {"top": "discover_top"}  # a TIGHTER key whose setting is named otherwise


class Request(BaseModel):
    """A parsed request. ``limits`` holds only what the request asked for. ``targets`` is empty
    only while they are being discovered (``parse_request(..., discover=True)``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: tuple[str, ...] = ()
    bench: tuple[str, ...] = Field(min_length=1)
    tests: tuple[str, ...] = ()
    rounds: int | None = Field(None, ge=3, le=200)
    min_effect: float | None = Field(None, gt=0, lt=1)
    confidence: float | None = Field(None, gt=0.5, lt=1)
    max_minutes: float | None = Field(None, gt=0)
    time_budget: float | None = Field(None, gt=0, le=3600)  # seconds per comparison
    measure: Literal["walltime", "instructions"] | None = None
    allow: tuple[str, ...] = ()  # path globs a candidate may change (default: the targets' files)
    rel_tol: float | None = Field(None, ge=0, lt=1)  # float tolerance when comparing results
    limits: dict[str, float] = Field(default_factory=dict)
    top: int | None = Field(None, ge=1, le=20)  # discovered targets, when none is named
    slug: str | None = None
    sha: str | None = None  # the commit to run, by a prefix: a pull request's reviewed head

    @field_validator("targets")
    @classmethod
    def _targets(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for target in value:
            if not TARGET.match(target) or _escapes(target.split("::")[0]):
                raise ValueError(
                    f"target {target!r} is not of the form path/to/file.py::function "
                    "(or ::Class.method), relative to the repository"
                )
        return value

    @field_validator("bench", "tests", "allow")
    @classmethod
    def _selectors(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for selector in value:
            # pytest reads options from "-..." words and, since 8.2, from "@file" words.
            if selector.startswith(("-", "@")) or _escapes(selector.split("::")[0]):
                raise ValueError(
                    f"selector {selector!r} must be a path (or pytest node id) inside the "
                    "repository, not an option"
                )
        return value

    @field_validator("sha")
    @classmethod
    def _sha(cls, value: str | None) -> str | None:
        return None if value is None else _commit_prefix(value)

    @property
    def limit_overrides(self) -> dict[str, float | None]:
        asked: dict[str, float | None] = dict(self.limits)
        if self.max_minutes is not None:
            asked["wall_seconds"] = self.max_minutes * 60
        return asked

    def tightened(self, configured: Mapping[str, Any]) -> tuple[Request, list[str]]:
        """This request held to the repository's ``configured`` settings (``Settings`` values):
        what it asks may tighten them, never loosen them (``TIGHTER``; ``allow`` within
        ``allowed_paths``). Returns the request to run and a note for each value held back.
        """
        update: dict[str, Any] = {}
        notes = []
        for key, way in TIGHTER.items():
            asked, allowed = getattr(self, key), configured[SETTING_OF.get(key, key)]
            if asked is None or (asked <= allowed if way == "lower" else asked >= allowed):
                continue
            update[key] = None  # the configured value
            held = "capped at" if way == "lower" else "raised to"
            notes.append(f"{key}={asked:g} {held} the configured {allowed:g}")
        allowed_paths = tuple(configured.get("allowed_paths") or ())
        if self.allow and allowed_paths:
            kept = tuple(p for p in self.allow if _within(p, allowed_paths))
            if kept != self.allow:
                update["allow"] = kept  # () falls back to allowed_paths
                notes.append(
                    f"allow: {len(self.allow) - len(kept)} of {len(self.allow)} path(s) are not "
                    "inside the configured allowed_paths and were dropped"
                )
        return (self.model_copy(update=update) if update else self), notes

    def branch_slug(self) -> str:
        """A stable branch-name slug: the issue's, or one made from the first target."""
        path, _, name = (self.targets or ("",))[0].partition("::")
        raw = self.slug or f"{path.removesuffix('.py').split('/')[-1]}-{name}"
        return re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")[:60] or "run"


def trigger(phrase: str = TRIGGER_PHRASE) -> re.Pattern[str]:
    """The trigger phrase as a pattern: whole words only, any case (``/optimize`` is not
    ``/optimizer`` nor ``a/optimize``)."""
    return re.compile(rf"(?<![\w/]){re.escape(phrase.strip())}(?![\w/-])", re.IGNORECASE)


def mentions(text: str, phrase: str = TRIGGER_PHRASE) -> bool:
    """Whether ``text`` asks with ``phrase``: in prose of its author's, not in a quoted reply
    (``> /optimize``), a code block (fenced or indented), inline code or an HTML comment."""
    pattern = trigger(phrase)
    return any(pattern.search(said) for said, _ in read_markdown(text).prose)


def parse_request(
    text: str,
    phrase: str = TRIGGER_PHRASE,
    defaults: Mapping[str, Sequence[str]] | None = None,
    *,
    discover: bool = False,
) -> Request:
    """Parse request text, raising ``RequestError`` with one line that says what to fix.

    ``defaults`` fills ``targets`` or ``bench`` when the text names none (the functions a pull
    request changed; the configured benchmarks). With ``discover``, a request that names no
    target (and has none by default) is no error: its ``targets`` are left empty, to be found
    by profiling its benchmarks (``ciopt.flows.discover``).
    """
    words = _words(text, phrase)
    fields: dict[str, Any] = {"limits": {}}
    for word in words:
        key, sep, value = word.partition("=")
        key = key.strip().lower().replace("-", "_")
        if not sep or not key or not value:
            raise RequestError(f"cannot read {word!r} in the request; write key=value words")
        _assign(fields, key, value)
    for required in ("targets", "bench"):
        if required not in fields and (defaults or {}).get(required):
            fields[required] = tuple((defaults or {})[required])
        if required == "targets" and discover:
            continue
        if required not in fields:
            key = required.removesuffix("s")
            raise RequestError(
                f"the request names no {key}; add {key}=... "
                f"(e.g. target=src/pkg/mod.py::func bench=benchmarks/test_mod.py)"
            )
    try:
        return Request(**fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"][:1])
        raise RequestError(
            f"request key {where}: {first['msg'].removeprefix('Value error, ')}"
        ) from exc


KNOWN_KEYS = (
    "target",
    "bench",
    "tests",
    "rounds",
    "min_effect",
    "confidence",
    "max_minutes",
    "time_budget",
    "measure",
    "allow",
    "rel_tol",
    "top",
    "slug",
    "sha",
    *LIMIT_KEYS,
)


def _assign(fields: dict[str, Any], key: str, value: str) -> None:
    if key in ("target", "bench", "tests", "allow"):
        name = "targets" if key == "target" else key
        fields[name] = (*fields.get(name, ()), *(v for v in re.split(r"[,\s]+", value) if v))
    elif key in LIMIT_KEYS:
        unit = LIMIT_UNITS.get(key, 1)
        number = _number(key, value) * unit
        fields["limits"][LIMIT_KEYS[key]] = round(number) if unit > 1 else number
    elif key in KNOWN_KEYS:
        fields[key] = value
    else:
        raise RequestError(f"unknown request key {key!r}; known keys: {', '.join(KNOWN_KEYS)}")


COUNT_KEYS = (
    "candidates",
    "max_llm_calls",
    "max_input_tokens",
    "max_output_tokens",
    "max_subprocess_calls",
)


def _number(key: str, value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise RequestError(f"request key {key}={value!r} must be a number") from None
    if not math.isfinite(number) or number < 0:
        raise RequestError(f"request key {key}={value!r} must be a finite, non-negative number")
    if key in COUNT_KEYS and not number.is_integer():
        raise RequestError(f"request key {key}={value!r} must be a whole number")
    return number


def _words(text: str, phrase: str) -> list[str]:
    """The request's words: its ``ciopt`` block's, else those after the trigger on the first
    line of prose that says it, else (no trigger: ``--request`` text) all of its prose."""
    read = read_markdown(text)
    if read.block is not None:
        lines = [re.sub(r"^\s*([\w-]+)\s*[:=]\s*", r"\1=", line) for line in read.block]
        body = "\n".join(
            line for line in lines if line.strip() and not line.lstrip().startswith("#")
        )
    else:
        pattern = trigger(phrase)
        asked = next(((m, line) for said, line in read.prose if (m := pattern.search(said))), None)
        if asked is None and pattern.search(sanitize(text)):
            raise RequestError(
                f"{phrase.strip()} is only quoted or in code here, and neither is read; write it "
                "and the request's key=value words on a line of their own"
            )
        body = asked[1][asked[0].end() :] if asked else "\n".join(line for _, line in read.prose)
    try:
        return shlex.split(body, comments=False, posix=True)
    except ValueError as exc:
        raise RequestError(f"cannot read the request ({exc}); check its quotes") from exc


def asked_sha(text: str, phrase: str = TRIGGER_PHRASE) -> str | None:
    """The commit a request pins with ``sha=`` (a prefix, lower case), or None; a
    ``RequestError`` when it is not 12 to 40 hexadecimal digits."""
    try:
        words = _words(text, phrase)
    except RequestError:
        return None  # the request's own parse says what is wrong
    asked = [v for k, _, v in (w.partition("=") for w in words) if k.strip().lower() == "sha"]
    return _commit_prefix(asked[-1]) if asked else None


def _commit_prefix(value: str) -> str:
    # 12 digits at least: a fork's author can make a commit with a chosen 7-digit prefix in
    # minutes, not one with a chosen 12-digit prefix
    if not re.fullmatch(r"[0-9a-fA-F]{12,40}", value):
        raise RequestError(
            f"request key sha={value!r} is not a commit; give 12 to 40 hexadecimal digits of "
            "the pull request's head (e.g. sha=1a2b3c4d5e6f)"
        )
    return value.lower()


def asked_keys(text: str, phrase: str = TRIGGER_PHRASE) -> set[str]:
    """The keys a request's text names (``target``, ``bench``, ...), without validating them."""
    try:
        words = _words(text, phrase)
    except RequestError:
        return set()
    return {w.partition("=")[0].strip().lower().replace("-", "_") for w in words}


def selector_paths(*selectors: str) -> list[str]:
    """The file or folder part of pytest selectors, without repeats."""
    return list(dict.fromkeys(s.split("::")[0] for s in selectors))


def _within(pattern: str, allowed: Sequence[str]) -> bool:
    """Whether every path ``pattern`` matches is allowed: it is one of the ``allowed`` globs, or
    a plain path that one of them matches (as the guard matches: ``fnmatchcase``)."""
    if pattern in allowed:
        return True
    plain = not any(ch in pattern for ch in "*?[")
    return plain and any(fnmatch.fnmatchcase(pattern, glob) for glob in allowed)


def _escapes(path: str) -> bool:
    return path.startswith("/") or ".." in path.split("/")
