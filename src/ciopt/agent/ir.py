"""The prompt IR: ordered blocks, large context held once as sha256-addressed blobs.

A prompt is built as data first (``PromptIR``), hashed in canonical JSON (``prompt_ir_hash``),
then rendered to chat messages with jinja2 and hashed again (``rendered_prompt_hash``). The IR
names blobs by hash, so a source file sent in every call is stored once in the trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal

import jinja2
from pydantic import BaseModel, ConfigDict

from ciopt.agent.hashing import sha256_hex
from ciopt.templating import environment

__all__ = ["BLOB_MIN_CHARS", "Blobs", "Block", "Message", "PromptIR", "render", "templates"]

Message = dict[str, str]
Kind = Literal["system", "instruction", "demo", "context", "output_format"]
BLOB_MIN_CHARS = 400  # context at least this long is a blob; shorter text stays inline


class Block(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: Kind
    name: str  # a stable machine name: "file:src/m.py", "profile", "attempts"
    title: str = ""  # the heading a context block is rendered under
    text: str | None = None
    blob: str | None = None  # sha256 of a blob holding the text
    fence: str = ""  # code-fence language when the text is code
    answer: str | None = None  # a demo's reply


class PromptIR(BaseModel):
    model_config = ConfigDict(frozen=True)

    signature: str
    signature_hash: str
    policy: str  # the policy's id, or "default"
    blocks: tuple[Block, ...]

    @property
    def hash(self) -> str:
        return sha256_hex(self.model_dump(mode="json"))


class Blobs(dict[str, str]):
    """sha256 -> text for the large context a prompt refers to."""

    def context(self, name: str, title: str, text: str, fence: str = "") -> Block:
        """A context block, its text held as a blob when large."""
        if len(text) < BLOB_MIN_CHARS:
            return Block(kind="context", name=name, title=title, text=text, fence=fence)
        digest = sha256_hex(text)
        self[digest] = text
        return Block(kind="context", name=name, title=title, blob=digest, fence=fence)


def templates() -> jinja2.Environment:
    return environment("ciopt.agent")


def prompts_hash() -> str:
    """sha256 over the prompt templates' sources: what a prompt is made of besides its policy
    and inputs (the eval cache keeps results by it)."""
    env = templates()
    assert env.loader is not None  # environment() always sets one
    sources = {name: env.loader.get_source(env, name)[0] for name in sorted(env.list_templates())}
    return sha256_hex(sources)


def render(
    ir: PromptIR, blobs: Mapping[str, str], env: jinja2.Environment | None = None
) -> list[Message]:
    """The chat messages of ``ir``: system, demo pairs, then the request."""
    env = env or templates()

    def text(block: Block) -> str:
        if block.blob is not None:
            if block.blob not in blobs:
                raise KeyError(f"blob {block.blob} of block {block.name} is missing")
            return blobs[block.blob]
        return block.text or ""

    body = {b.name: text(b) for b in ir.blocks}
    template = env.get_template("messages.j2")
    system = template.module.system(ir.blocks, body).strip()  # type: ignore[attr-defined]
    user = template.module.user(ir.blocks, body).strip()  # type: ignore[attr-defined]
    messages: list[Message] = [{"role": "system", "content": system}]
    for block in ir.blocks:
        if block.kind == "demo":
            messages.append({"role": "user", "content": body[block.name].strip()})
            messages.append({"role": "assistant", "content": (block.answer or "").strip()})
    messages.append({"role": "user", "content": user})
    return messages
