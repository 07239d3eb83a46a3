"""The optimization request: what to speed up, measured how, within which budget.

A request is untrusted text (an issue body, a comment, a CLI flag). It is sanitised, then parsed
into ``key=value`` words, either after a ``/optimize`` trigger or inside a fenced block::

    /optimize target=src/textkit/tokens.py::dedupe bench=benchmarks/test_tokens.py candidates=4

    ```ciopt
    target = src/textkit/tokens.py::dedupe
    bench = benchmarks/test_tokens.py
    ```

It is never given to a shell: values become argument-list items after validation.
"""

from __future__ import annotations

import math
import re
import shlex
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ciopt.errors import RequestError

__all__ = [
    "Request",
    "asked_keys",
    "mentions",
    "parse_request",
    "sanitize",
    "selector_paths",
    "trigger",
]

TRIGGER_PHRASE = "/optimize"
FENCE = re.compile(r"```[ \t]*(?:ciopt|optimize)[^\n]*\n(.*?)```", re.IGNORECASE | re.DOTALL)
HTML_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
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


class Request(BaseModel):
    """A parsed request. ``limits`` holds only what the request asked for."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    targets: tuple[str, ...] = Field(min_length=1)
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
    slug: str | None = None

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

    @property
    def limit_overrides(self) -> dict[str, float | None]:
        asked: dict[str, float | None] = dict(self.limits)
        if self.max_minutes is not None:
            asked["wall_seconds"] = self.max_minutes * 60
        return asked

    def branch_slug(self) -> str:
        """A stable branch-name slug: the issue's, or one made from the first target."""
        path, _, name = self.targets[0].partition("::")
        raw = self.slug or f"{path.removesuffix('.py').split('/')[-1]}-{name}"
        return re.sub(r"[^a-z0-9]+", "-", raw.lower()).strip("-")[:60] or "run"


def trigger(phrase: str = TRIGGER_PHRASE) -> re.Pattern[str]:
    """The trigger phrase as a pattern: whole words only, any case (``/optimize`` is not
    ``/optimizer`` nor ``a/optimize``)."""
    return re.compile(rf"(?<![\w/]){re.escape(phrase.strip())}(?![\w/-])", re.IGNORECASE)


def mentions(text: str, phrase: str = TRIGGER_PHRASE) -> bool:
    """Whether ``text`` asks with ``phrase``: on a line of its own making, not in a quoted reply
    (``> /optimize``), not inside a code block or an HTML comment."""
    return trigger(phrase).search(_spoken(sanitize(text))) is not None


def _spoken(text: str) -> str:
    """The lines of a markdown comment that its author wrote as prose, not quoted or fenced."""
    kept, fenced = [], False
    for line in text.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        if not fenced and not line.lstrip().startswith(">"):
            kept.append(line)
    return "\n".join(kept)


def sanitize(text: str) -> str:
    """Strip what a reader cannot see: HTML comments, invisible and control characters."""
    text = HTML_COMMENT.sub("", unicodedata.normalize("NFKC", text))
    return "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cf", "Cc", "Co")
    )


def parse_request(
    text: str,
    phrase: str = TRIGGER_PHRASE,
    defaults: Mapping[str, Sequence[str]] | None = None,
) -> Request:
    """Parse request text, raising ``RequestError`` with one line that says what to fix.

    ``defaults`` fills ``targets`` or ``bench`` when the text names none (the functions a pull
    request changed; the configured benchmarks).
    """
    words = _words(sanitize(text), phrase)
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
    "slug",
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
    fenced = FENCE.search(text)
    if fenced:
        lines = [re.sub(r"^\s*([\w-]+)\s*[:=]\s*", r"\1=", line) for line in fenced[1].splitlines()]
        body = "\n".join(
            line for line in lines if line.strip() and not line.lstrip().startswith("#")
        )
    else:
        asked = trigger(phrase).search(text)
        body = text[asked.end() :].split("\n", 1)[0] if asked else text
    try:
        return shlex.split(body, comments=False, posix=True)
    except ValueError as exc:
        raise RequestError(f"cannot read the request ({exc}); check its quotes") from exc


def asked_keys(text: str, phrase: str = TRIGGER_PHRASE) -> set[str]:
    """The keys a request's text names (``target``, ``bench``, ...), without validating them."""
    try:
        words = _words(sanitize(text), phrase)
    except RequestError:
        return set()
    return {w.partition("=")[0].strip().lower().replace("-", "_") for w in words}


def selector_paths(*selectors: str) -> list[str]:
    """The file or folder part of pytest selectors, without repeats."""
    return list(dict.fromkeys(s.split("::")[0] for s in selectors))


def _escapes(path: str) -> bool:
    return path.startswith("/") or ".." in path.split("/")
