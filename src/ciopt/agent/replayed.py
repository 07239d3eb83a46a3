"""A model that answers from a recorded trace: the replies of ``llm.call`` spans, by prompt hash.

Each request is matched to the recorded call with the same ``rendered_prompt_hash``, taken in
recorded order. A prompt that no recorded call has (the replayed run wrote it differently, e.g.
measured figures in an attempt's feedback) gets the next unused reply in order and counts as
drifted. A run that asks more than was recorded has diverged: ``ModelError``.
"""

from __future__ import annotations

from dataclasses import dataclass

from ciopt.agent.hashing import sha256_hex
from ciopt.agent.ir import Message
from ciopt.agent.models import Completion
from ciopt.errors import ModelError
from ciopt.trace import TraceFile

__all__ = ["Recorded", "ReplayModel", "recorded_calls"]


@dataclass(frozen=True)
class Recorded:
    prompt_hash: str
    response: str
    model: str
    input_tokens: int
    output_tokens: int
    cost_usd: float


def recorded_calls(trace: TraceFile) -> list[Recorded]:
    """The model calls of ``trace`` that returned a reply, in the order they were made."""
    calls = []
    for span in trace.spans:
        attrs = span.attrs
        if span.name != "llm.call" or not isinstance(attrs.get("response"), str):
            continue
        calls.append(
            Recorded(
                prompt_hash=str(attrs.get("rendered_prompt_hash") or ""),
                response=attrs["response"],
                model=str(attrs.get("response_model") or attrs.get("model") or "replay"),
                input_tokens=int(attrs.get("input_tokens") or 0),
                output_tokens=int(attrs.get("output_tokens") or 0),
                cost_usd=float(attrs.get("cost_usd") or 0.0),
            )
        )
    return calls


class ReplayModel:
    """Answers with recorded replies; ``exact`` and ``drifted`` count how each was matched."""

    def __init__(self, calls: list[Recorded], source: str) -> None:
        self.name = f"replay:{source}"
        self._calls = calls
        self._used = [False] * len(calls)
        self.exact = 0
        self.drifted = 0

    @property
    def calls(self) -> list[Recorded]:
        """The recorded calls it answers from."""
        return list(self._calls)

    def complete(
        self,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        seconds_left: float | None = None,
    ) -> Completion:
        """The recorded reply as it was: a replay calls no model, so ``max_tokens`` and
        ``seconds_left`` bound nothing here (the reply's tokens are charged as recorded)."""
        digest = sha256_hex(messages)
        unused = [i for i, used in enumerate(self._used) if not used]
        if not unused:
            raise ModelError(
                f"the replayed run asked for more than the {len(self._calls)} model replies "
                "the trace recorded: it diverged from the recorded run",
                reason="replay_diverged",
            )
        same = [i for i in unused if self._calls[i].prompt_hash == digest]
        index = same[0] if same else unused[0]
        if same:
            self.exact += 1
        else:
            self.drifted += 1
        self._used[index] = True
        call = self._calls[index]
        return Completion(
            text=call.response,
            model=call.model,
            provider="replay",
            input_tokens=call.input_tokens,
            output_tokens=call.output_tokens,
            max_tokens=max_tokens,
            cost_usd=call.cost_usd,
        )

    @property
    def unused(self) -> int:
        return self._used.count(False)
