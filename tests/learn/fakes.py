"""A fake scorer for the compile search: a scripted model's rewards, without running anything.

``ScriptedScorer`` stands for a model that answers well only in some reply formats and with some
instructions, and whom some demos help and others mislead. It is deterministic, and it counts
which policy was scored on how many tasks.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ciopt.agent import Policy
from ciopt.learn import EvalTotals

__all__ = ["ScriptedScorer", "totals"]


def totals(rewards: Sequence[float]) -> EvalTotals:
    n = len(rewards)
    mean = round(sum(rewards) / n, 6) if n else 0.0
    faster = sum(r >= 0.7 for r in rewards)
    return EvalTotals(
        tasks=n,
        yield_count=faster,
        yield_share=faster / n if n else 0.0,
        mean_reward=mean,
        replies=n,
        decoded_share=1.0 if mean > 0.2 else 0.5,
        applied_share=1.0 if mean > 0.4 else 0.25,
        llm_calls=2 * n,
        input_tokens=1000 * n,
        output_tokens=100 * n,
        wall_s=1.5 * n,
    )


@dataclass
class ScriptedScorer:
    """The reward of a task: ``base`` plus what the policy's variant, format and demos add.

    ``variants`` and ``formats`` map a name to what it adds (absent: 0); ``demos`` maps a demo's
    id to what showing it adds. Tasks named ``hard-*`` take 0.1 off. ``None`` (the built-in
    prompting) scores as the default variant in ``default_format``.
    """

    variants: Mapping[str, float] = field(default_factory=dict)
    formats: Mapping[str, float] = field(default_factory=dict)
    demos: Mapping[str, float] = field(default_factory=dict)
    base: float = 0.1
    default_format: str = "whole_definition"
    calls: list[tuple[str, int]] = field(default_factory=list)  # (policy id, tasks)

    def quality(self, policy: Policy | None) -> float:
        if policy is None:
            return (
                self.base
                + self.variants.get("default", 0)
                + self.formats.get(self.default_format, 0)
            )
        params = policy.params
        shown = sum(self.demos.get(i, 0.0) for i in params.few_shot_ids)
        return (
            self.base
            + self.variants.get(params.instruction_variant, 0.0)
            + self.formats.get(params.output_format, 0.0)
            + shown
        )

    def __call__(self, policy: Policy | None, tasks: Sequence[object]) -> EvalTotals:
        """``tasks``: names, or tasks of a corpus (``Task``) by their names."""
        self.calls.append((policy.id if policy else "default", len(tasks)))
        q = self.quality(policy)
        names = [str(getattr(t, "name", t)) for t in tasks]
        return totals([min(max(q - 0.1 * n.startswith("hard-"), 0.0), 1.0) for n in names])
