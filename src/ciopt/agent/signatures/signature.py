"""Signatures: a typed input model, a typed output model, and how to prompt for one from the other.

A signature is data plus templates: ``<id>.system.j2`` (the role), ``<id>.instruction.j2`` (the
default instruction, which a policy may replace), ``<id>.format.<output format>.j2`` (the reply
format asked for in tolerant mode, rendered with ``format_values`` of the inputs so that its
example is the target's own code; strict mode asks for JSON of the output schema), and a
``context`` function that turns the inputs into context blocks, large ones as blobs.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel

from ciopt.agent.hashing import sha256_hex
from ciopt.agent.ir import Blobs, Block, PromptIR, render, templates

__all__ = ["OUTPUT_FORMATS", "DemoText", "OutputFormat", "Signature"]

In = TypeVar("In", bound=BaseModel)
Out = TypeVar("Out", bound=BaseModel)
# how a reply gives code changes: the new definition whole, or SEARCH/REPLACE edits
OutputFormat = Literal["whole_definition", "search_replace"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("whole_definition", "search_replace")


@dataclass(frozen=True)
class DemoText:
    """A few-shot example: inputs as the signature's input JSON, and the reply to show."""

    id: str
    inputs: Mapping[str, Any]
    output: str


@dataclass(frozen=True)
class Signature(Generic[In, Out]):
    id: str
    inputs: type[In]
    outputs: type[Out]
    context: Callable[[In, Blobs], list[Block]]
    # tolerant decoding of a reply that is not JSON (edits), given the inputs; None: JSON only
    text_decoder: Callable[[str, In], Out] | None = None
    # the values the format templates are rendered with (the target's path, its def line, ...)
    format_values: Callable[[In], Mapping[str, Any]] | None = None
    # the inputs a few-shot demo shows (None: all): the task and its source, not another
    # project's profile or benchmark, which only lengthen the prompt of the model it teaches
    demo_fields: tuple[str, ...] | None = None

    @property
    def schema_hash(self) -> str:
        """What a policy is compiled against: the signature's name and its two schemas."""
        return sha256_hex(
            {
                "id": self.id,
                "inputs": self.inputs.model_json_schema(),
                "outputs": self.outputs.model_json_schema(),
            }
        )

    def template(self, part: str, **values: Any) -> str:
        return templates().get_template(f"{self.id}.{part}.j2").render(**values).strip()

    @property
    def instruction(self) -> str:
        return self.template("instruction")

    def output_format(
        self, mode: str, fmt: OutputFormat = "whole_definition", inputs: In | None = None
    ) -> str:
        """What the reply must look like: ``fmt`` in tolerant mode, else JSON of the schema."""
        if mode == "tolerant" and self.text_decoder is not None:
            values = self.format_values
            shown = values(inputs) if values is not None and inputs is not None else {}
            return self.template(f"format.{fmt}", **shown)
        schema = json.dumps(self.outputs.model_json_schema(), indent=1, sort_keys=True)
        return templates().get_template("json_format.j2").render(schema=schema).strip()

    def build(
        self,
        inputs: In,
        *,
        policy: str = "default",
        instruction: str | None = None,
        demos: Sequence[DemoText] = (),
        mode: str = "tolerant",
        output_format: OutputFormat = "whole_definition",
    ) -> tuple[PromptIR, Blobs]:
        """The prompt IR for ``inputs`` and the blobs it refers to."""
        blobs = Blobs()
        reply = self.output_format(mode, output_format, inputs)
        blocks = [
            Block(kind="system", name="system", text=self.template("system")),
            Block(kind="output_format", name="format", text=reply),
        ]
        for demo in demos:
            kept = self.demo_fields
            shown = self.inputs.model_validate(
                {k: v for k, v in demo.inputs.items() if kept is None or k in kept}
            )
            blocks.append(
                Block(
                    kind="demo",
                    name=f"demo:{demo.id}",
                    text=self._inline_request(shown, instruction),
                    answer=demo.output,
                )
            )
        blocks.append(
            Block(kind="instruction", name="instruction", text=instruction or self.instruction)
        )
        blocks += self.context(inputs, blobs)
        ir = PromptIR(
            signature=self.id, signature_hash=self.schema_hash, policy=policy, blocks=tuple(blocks)
        )
        return ir, blobs

    def _inline_request(self, inputs: In, instruction: str | None) -> str:
        """A demo's request, rendered as the real request would be, with its text inline."""
        own = Blobs()
        blocks = (
            Block(kind="instruction", name="instruction", text=instruction or self.instruction),
            *self.context(inputs, own),
        )
        ir = PromptIR(signature=self.id, signature_hash="", policy="", blocks=blocks)
        return render(ir, own)[-1]["content"]
