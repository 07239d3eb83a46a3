"""Every model call goes through here: budget checked and charged, the call traced."""

from __future__ import annotations

import hashlib
import json
from typing import Literal

from ciopt.agent.models import Completion, Message, Model
from ciopt.budget import Ledger
from ciopt.trace import Tracer

__all__ = ["call_model", "prompt_hash"]

Capture = Literal["full", "hashed", "none"]


def prompt_hash(messages: list[Message]) -> str:
    canonical = json.dumps(messages, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def call_model(
    model: Model,
    messages: list[Message],
    *,
    signature: str,
    tracer: Tracer,
    ledger: Ledger,
    capture: Capture = "full",
) -> Completion:
    ledger.ensure("llm_calls", "input_tokens", "output_tokens", "cost_usd")
    digest = prompt_hash(messages)
    with tracer.span("llm.call", signature=signature, model=model.name, prompt_sha256=digest) as sp:
        ledger.charge(llm_calls=1)
        done = model.complete(messages)
        ledger.charge(
            input_tokens=done.input_tokens, output_tokens=done.output_tokens, cost_usd=done.cost_usd
        )
        sp.set(
            provider=done.provider,
            response_model=done.model,
            input_tokens=done.input_tokens,
            output_tokens=done.output_tokens,
            cost_usd=done.cost_usd,
            latency_s=round(done.latency_s, 4),
            response_sha256=hashlib.sha256(done.text.encode()).hexdigest(),
        )
        if capture == "full":
            sp.set(messages=messages, response=done.text)
        elif capture == "hashed":
            sp.set(
                prompt_chars=sum(len(m["content"]) for m in messages), response_chars=len(done.text)
            )
    return done
