"""Decoding a reply into a signature's output model: strict JSON, or tolerant extraction.

``strict_json``: the whole reply is one JSON object of the output schema.
``tolerant``: the signature's own text formats when it has them (edits: SEARCH/REPLACE blocks or
whole definitions, read with the inputs they are about), else JSON: for a signature with text
formats only a reply that is JSON (it starts with ``{`` or holds a ```json fence), so code is
never read as JSON; for the others the first JSON object found in the reply, in a fence or prose.

A reply that cannot be decoded raises ``DecodeError`` with a message written for the model: it is
sent back verbatim when the reply is repaired.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from ciopt.agent.edits import EditError
from ciopt.agent.fences import fences
from ciopt.agent.signatures.signature import Signature

__all__ = ["DecodeError", "decode"]

In = TypeVar("In", bound=BaseModel)
Out = TypeVar("Out", bound=BaseModel)
FENCED = re.compile(r"```(?:json)?[ \t]*\n(.*?)```", re.DOTALL)


class DecodeError(ValueError):
    """A reply that does not decode; the message says what is wrong, for the model."""


def decode(signature: Signature[In, Out], text: str, mode: str, inputs: In) -> Out:
    """The reply ``text`` to ``inputs`` as the signature's output; ``DecodeError`` says why not."""
    if mode == "strict_json":
        return _validate(signature.outputs, text.strip())
    problems: list[str] = []
    if signature.text_decoder is not None:
        try:
            return signature.text_decoder(text, inputs)
        except (EditError, ValidationError, ValueError) as exc:
            if not _is_json(text):
                raise DecodeError(_message(exc)) from None
    for candidate in _json_objects(text):
        try:
            return _validate(signature.outputs, candidate)
        except DecodeError as exc:
            problems.append(str(exc))
            break  # the first object is the answer; a later one is usually an example in prose
    if not problems:
        problems.append("the reply holds no JSON object")
    raise DecodeError("; ".join(dict.fromkeys(problems)))


def _is_json(text: str) -> bool:
    return text.lstrip().startswith("{") or any(f.language == "json" for f in fences(text))


def _validate(model: type[Out], text: str) -> Out:
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        raise DecodeError(_message(exc)) from None


def _message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        parts = []
        for error in exc.errors()[:5]:
            where = ".".join(str(p) for p in error["loc"]) or "the reply"
            if error["type"] == "json_invalid":
                parts.append(f"the reply is not valid JSON ({error['msg']})")
            else:
                parts.append(f"{where}: {error['msg']}")
        return "; ".join(parts)
    return str(exc)


def _json_objects(text: str) -> Iterator[str]:
    """JSON objects in ``text``: fenced blocks first, then balanced ``{...}`` spans."""
    for match in FENCED.finditer(text):
        body = match.group(1).strip()
        if body.startswith("{"):
            yield body
    decoder = json.JSONDecoder()
    at = text.find("{")
    while at != -1:
        try:
            value, end = decoder.raw_decode(text, at)
        except ValueError:
            at = text.find("{", at + 1)
            continue
        if isinstance(value, dict):
            yield text[at:end]
        at = text.find("{", end)
