"""What ``ciopt compile`` searches: instruction variants times reply formats, as policies.

An instruction variant is the signature's built-in instruction (``default``) or a text of
``templates/<signature>.<name>.j2``. Each point of the grid is a policy with no demos; the demos
are chosen afterwards (``search.select_demos``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, cast

from ciopt.agent import OUTPUT_FORMATS, SIGNATURES, OutputFormat, Policy, PolicyParams, sha256_hex
from ciopt.errors import ConfigError
from ciopt.learn.search import Candidate
from ciopt.templating import environment

__all__ = ["VARIANTS", "Space", "search_space"]

# the instruction variants written for each signature, besides its built-in one
VARIANTS: Final[Mapping[str, tuple[str, ...]]] = {
    "propose_optimization": ("concise", "stepwise", "careful"),
}


@dataclass(frozen=True)
class Space:
    signature: str
    instructions: dict[str, str]  # variant -> text; "default" is the built-in instruction
    formats: tuple[OutputFormat, ...]

    @property
    def hash(self) -> str:
        return sha256_hex(
            {
                "signature": self.signature,
                "instructions": self.instructions,
                "formats": self.formats,
            }
        )

    def grid(self, params: PolicyParams, versions: Mapping[str, str]) -> list[Candidate]:
        """Every variant in every format, the built-in instruction first; ``params`` gives the
        settings the search leaves as they are (decoding, model role)."""
        return [
            Candidate(f"{variant}, {fmt}", self.policy(variant, fmt, params, versions))
            for variant in self.instructions
            for fmt in self.formats
        ]

    def policy(
        self, variant: str, fmt: OutputFormat, params: PolicyParams, versions: Mapping[str, str]
    ) -> Policy:
        chosen: dict[str, Any] = {"instruction_variant": variant, "output_format": fmt}
        signature = SIGNATURES[self.signature]
        return Policy(
            signature=self.signature,
            signature_schema_hash=signature.schema_hash,
            instructions={} if variant == "default" else {variant: self.instructions[variant]},
            params=PolicyParams.model_validate(
                {**params.model_dump(), **chosen, "few_shot_ids": []}
            ),
            versions=dict(versions),
        )


def search_space(
    signature: str,
    formats: Sequence[str] = OUTPUT_FORMATS,
    variants: Sequence[str] | None = None,
) -> Space:
    """The space for ``signature``: its built-in instruction and the variants written for it
    (``variants`` narrows them, ``default`` naming the built-in one), in ``formats``."""
    if signature not in VARIANTS:
        known = ", ".join(sorted(VARIANTS))
        raise ConfigError(f"no instruction variants for signature {signature!r}; compile {known}")
    known_variants = ("default", *VARIANTS[signature])
    chosen = list(known_variants if variants is None else variants)
    for name, given, allowed in (
        ("instruction variant", chosen, known_variants),
        ("format", formats, OUTPUT_FORMATS),
    ):
        wrong = [g for g in given if g not in allowed]
        if wrong or not given:
            named = ", ".join(wrong) or "(none given)"
            raise ConfigError(f"unknown {name} {named}; choose from {', '.join(allowed)}")
    env = environment("ciopt.learn")
    texts = {
        name: SIGNATURES[signature].instruction
        if name == "default"
        else env.get_template(f"{signature}.{name}.j2").render().strip()
        for name in chosen
    }
    return Space(signature, texts, tuple(cast("OutputFormat", f) for f in formats))
