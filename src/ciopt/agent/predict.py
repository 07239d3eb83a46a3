"""Predict: one typed model call, from a signature's inputs to its output model, with a receipt.

1. resolve the signature's active policy (or the defaults) and apply its allowlisted params:
   instruction variant, few-shot demos, decode policy, model role;
2. build the prompt IR, render it, hash both;
3. call the model (the adapter times out and retries transient failures), budget checked before
   and charged after every attempt;
4. decode the reply; when it does not decode, re-ask with the error, at most ``max_repairs``
   times. Every attempt is in the receipt and in its own ``llm.call`` span.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, computed_field

from ciopt.agent.decode import DecodeError, decode
from ciopt.agent.failures import call_failed
from ciopt.agent.hashing import sha256_hex
from ciopt.agent.ir import Message, render, templates
from ciopt.agent.models import Completion, Model
from ciopt.agent.policy import Policy, PolicyRegistry, default_params
from ciopt.agent.signatures.signature import DemoText, Signature
from ciopt.budget import Ledger
from ciopt.errors import BudgetExhausted, ConfigError, ModelError
from ciopt.trace import Span, Tracer

__all__ = ["AttemptReceipt", "Capture", "DecodeFailed", "Prediction", "Predictor", "Receipt"]

Capture = Literal["full", "hashed", "none"]
Out = TypeVar("Out", bound=BaseModel)
LLM_COUNTERS = ("llm_calls", "input_tokens", "output_tokens", "cost_usd")


class AttemptReceipt(BaseModel):
    n: int
    rendered_prompt_hash: str
    response_sha256: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0
    cost_known: bool = True
    latency_s: float = 0.0
    retries: int = 0
    outcome: Literal["decoded", "invalid", "error", "budget_exhausted"] = "error"
    error: str | None = None


class Receipt(BaseModel):
    """What one prediction cost and how it went, attempt by attempt."""

    signature: str
    signature_hash: str
    policy: str  # the policy's id, or "default"
    model: str
    prompt_ir_hash: str
    rendered_prompt_hash: str  # of the first attempt
    decode_mode: str
    max_repairs: int
    outcome: Literal["ok", "invalid", "error", "budget_exhausted"] = "error"
    attempts: list[AttemptReceipt] = []

    # the totals are the attempts' sums, in the dump too
    @computed_field  # type: ignore[prop-decorator]
    @property
    def input_tokens(self) -> int:
        return sum(a.input_tokens for a in self.attempts)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def output_tokens(self) -> int:
        return sum(a.output_tokens for a in self.attempts)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def cost_usd(self) -> float:
        return sum(a.cost_usd for a in self.attempts)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def latency_s(self) -> float:
        return round(sum(a.latency_s for a in self.attempts), 4)


class DecodeFailed(ModelError):
    """Every attempt's reply failed to decode; the receipt says how."""

    reason = "malformed_response"

    def __init__(self, message: str, receipt: Receipt) -> None:
        super().__init__(message)
        self.receipt = receipt


@dataclass(frozen=True)
class Prediction(Generic[Out]):
    output: Out
    text: str  # the reply that decoded
    receipt: Receipt


class Predictor:
    """Makes predictions for any signature, with the models, budget and trace of one run."""

    def __init__(
        self,
        models: Mapping[str, Model],
        *,
        tracer: Tracer,
        ledger: Ledger,
        capture: Capture = "full",
        policies: PolicyRegistry | None = None,
    ) -> None:
        if "default" not in models:
            raise ConfigError("no default model; pass --model or set CIOPT_MODEL")
        self.models = models
        self.tracer = tracer
        self.ledger = ledger
        self.capture = capture
        self.policies = policies
        self.receipts: list[Receipt] = []

    def __call__(
        self, signature: Signature[Any, Out], inputs: BaseModel, *, purpose: str | None = None
    ) -> Prediction[Out]:
        """``purpose`` names what the call is for in an error (``for candidate 3``)."""
        policy = self.policies.active(signature.id) if self.policies else None
        params = policy.params if policy else default_params()
        model = self._model(params.model_role)
        given = signature.inputs.model_validate(inputs.model_dump())
        ir, blobs = signature.build(
            given,
            policy=policy.id if policy else "default",
            instruction=policy.instruction() if policy else None,
            demos=_demos(policy),
            mode=params.decode.mode,
            output_format=params.output_format,
        )
        first = render(ir, blobs)
        receipt = Receipt(
            signature=signature.id,
            signature_hash=signature.schema_hash,
            policy=ir.policy,
            model=model.name,
            prompt_ir_hash=ir.hash,
            rendered_prompt_hash=sha256_hex(first),
            decode_mode=params.decode.mode,
            max_repairs=params.decode.max_repairs,
        )
        with self.tracer.span(
            "predict", signature=signature.id, policy=ir.policy, model=model.name
        ) as sp:
            if self.capture == "full":
                for digest, text in blobs.items():
                    self.tracer.blob(digest, text)
                sp.set(ir=ir.model_dump(mode="json"))
                sp.set(inputs=inputs.model_dump(mode="json"))
            try:
                what = f"{signature.id} {purpose}" if purpose else signature.id
                return self._attempts(signature, given, model, first, receipt, what)
            finally:
                self.receipts.append(receipt)
                sp.set(receipt=receipt.model_dump(mode="json"), outcome=receipt.outcome)

    def _attempts(
        self,
        signature: Signature[Any, Out],
        inputs: BaseModel,
        model: Model,
        first: list[Message],
        receipt: Receipt,
        what: str,
    ) -> Prediction[Out]:
        messages, repair = first, None
        for n in range(1, receipt.max_repairs + 2):
            with self.tracer.span(
                "llm.call",
                signature=receipt.signature,
                policy=receipt.policy,
                model=model.name,
                attempt=n,
                prompt_ir_hash=receipt.prompt_ir_hash,
                rendered_prompt_hash=sha256_hex(messages),
            ) as sp:
                attempt = AttemptReceipt(n=n, rendered_prompt_hash=sha256_hex(messages))
                if repair is not None and self.capture == "full":
                    sp.set(repair_prompt=repair)
                done = self._call(model, messages, attempt, receipt, sp, what)
                try:
                    output = decode(signature, done.text, receipt.decode_mode, inputs)
                except DecodeError as exc:
                    attempt.outcome, attempt.error = "invalid", str(exc)
                    sp.set(decoded=False, error=str(exc))
                    receipt.outcome = "invalid"
                    if n > receipt.max_repairs:
                        raise DecodeFailed(
                            f"the model's reply could not be read after {n} attempt(s): {exc}",
                            receipt,
                        ) from None
                    repair = templates().get_template("repair_reply.j2").render(error=str(exc))
                    messages = [
                        *first,
                        {"role": "assistant", "content": done.text},
                        {"role": "user", "content": repair.strip()},
                    ]
                    continue
                attempt.outcome = "decoded"
                sp.set(decoded=True)
                receipt.outcome = "ok"
                return Prediction(output=output, text=done.text, receipt=receipt)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _call(
        self,
        model: Model,
        messages: list[Message],
        attempt: AttemptReceipt,
        receipt: Receipt,
        sp: Span,
        what: str,
    ) -> Completion:
        """One model call within the budget: made only when the ledger allows it, asking for at
        most the output tokens left (``max_tokens``) within the wall time left (the adapter's
        timeouts and retries fit in it); charged once it returns."""
        try:
            self.ledger.ensure(*LLM_COUNTERS)
            tokens = int(self.ledger.left("output_tokens"))  # the reply may have no more
            if tokens < 1:
                spent = self.ledger.spent["output_tokens"]
                raise BudgetExhausted("output_tokens", spent, self.ledger.limits.output_tokens)
        except BudgetExhausted as exc:
            attempt.outcome, attempt.error = "budget_exhausted", str(exc)
            receipt.outcome = "budget_exhausted"
            receipt.attempts.append(attempt)
            raise
        receipt.attempts.append(attempt)  # counted now: a call that fails still happened
        self.ledger.charge(llm_calls=1)
        seconds = self.ledger.seconds_left()  # the call's timeouts and retries fit in it
        sp.set(max_tokens_left=tokens, seconds_left=round(seconds, 3))
        try:
            done = model.complete(messages, max_tokens=tokens, seconds_left=seconds)
        except ModelError as exc:
            made = [a for r in [*self.receipts, receipt] for a in r.attempts]
            replied = sum(a.outcome in ("decoded", "invalid") for a in made)
            calls = sum(a.outcome != "budget_exhausted" for a in made)
            told = call_failed(exc, call=calls, what=what, succeeded=replied)
            attempt.outcome, attempt.error = "error", str(told)
            receipt.outcome = "error"
            raise told from exc
        self.ledger.charge(
            input_tokens=done.input_tokens, output_tokens=done.output_tokens, cost_usd=done.cost_usd
        )
        update = {
            "response_sha256": sha256_hex(done.text),
            "input_tokens": done.input_tokens,
            "output_tokens": done.output_tokens,
            "cost_usd": done.cost_usd,
            "cost_known": done.cost_known,
            "latency_s": round(done.latency_s, 4),
            "retries": done.retries,
        }
        for key, value in update.items():
            setattr(attempt, key, value)
        sp.set(provider=done.provider, response_model=done.model, **update)
        sp.set(max_tokens=done.max_tokens, truncated=done.truncated)
        if self.capture == "full":
            sp.set(response=done.text)
        elif self.capture == "hashed":
            sp.set(
                prompt_chars=sum(len(m["content"]) for m in messages), response_chars=len(done.text)
            )
        return done

    def _model(self, role: str) -> Model:
        if role not in self.models:
            raise ConfigError(
                f"the active policy asks for model role {role!r}, which is not configured; "
                f"set model_roles.{role} (configured: {', '.join(sorted(self.models))})"
            )
        return self.models[role]


def _demos(policy: Policy | None) -> list[DemoText]:
    if policy is None:
        return []
    return [DemoText(id=d.id, inputs=d.inputs, output=d.output) for d in policy.shots()]
