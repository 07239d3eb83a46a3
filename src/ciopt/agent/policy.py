"""Policies: pinned, immutable, content-addressed prompt artifacts, and their registry.

A policy pins how one signature is prompted: instruction texts, few-shot demos and a small
allowlist of params. Its id is the sha256 of its canonical JSON. The registry lives in the
client's repository::

    .ciopt/policies/<id>.json     one policy, canonical JSON; never rewritten with other content
    .ciopt/policies/active.json   {"schema": "ciopt.policies.active/1", "active": {sig: [id, ...]}}

Each signature has a stack of promoted ids: the last one is active, the earlier ones are what
``rollback`` returns to. No stack (or no registry) means the signature's built-in defaults.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Final, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    ValidationError,
    model_serializer,
    model_validator,
)

from ciopt.agent.hashing import canonical_json, sha256_hex
from ciopt.agent.signatures.signature import OutputFormat
from ciopt.errors import ConfigError
from ciopt.trace import Redactor

__all__ = [
    "ACTIVE_SCHEMA",
    "POLICY_SCHEMA",
    "DecodePolicy",
    "Demo",
    "EvalFigures",
    "Policy",
    "PolicyEntry",
    "PolicyEvaluation",
    "PolicyParams",
    "PolicyRegistry",
    "Provenance",
    "default_params",
    "load_policy",
    "short_id",
]

POLICY_SCHEMA: Final = "ciopt.policy/1"
ACTIVE_SCHEMA: Final = "ciopt.policies.active/1"
_HASH = r"^[0-9a-f]{64}$"
_FROZEN = ConfigDict(extra="forbid", frozen=True)
_Stacks = dict[str, list[str]]  # signature -> promoted ids, the active one last
_REDACTOR = Redactor()  # no secret values: only the well-known token shapes


class DecodePolicy(BaseModel):
    model_config = _FROZEN

    mode: Literal["strict_json", "tolerant"] = "tolerant"
    max_repairs: int = Field(1, ge=0, le=3)


class PolicyParams(BaseModel):
    """The only knobs a policy may turn; anything else is refused."""

    model_config = _FROZEN

    instruction_variant: str = "default"  # "default": the signature's built-in instruction
    few_shot_ids: list[str] = []
    decode: DecodePolicy = DecodePolicy()
    model_role: str = "default"
    output_format: OutputFormat = "whole_definition"  # how the reply gives its code changes

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        doc: dict[str, Any] = handler(self)
        if self.output_format == "whole_definition":  # absent when the default, so that a
            doc.pop("output_format", None)  # policy written before it keeps its id
        return doc


class Demo(BaseModel):
    model_config = _FROZEN

    id: str
    inputs: dict[str, Any]  # the signature's input model, as JSON
    output: str  # the reply, as the model should give it


class Provenance(BaseModel):
    """Where a compiled policy comes from (``ciopt compile``): enough to compile it again."""

    model_config = _FROZEN

    optimizer: str  # the search, by name and version
    settings: dict[str, int | float | str]  # the search's settings: demos at most, seed, ...
    search_space_hash: str = Field(pattern=_HASH)  # the instruction texts and formats tried
    dataset_hash: str = Field(pattern=_HASH)  # the task corpus it was scored on
    demo_pool_hash: str = Field(pattern=_HASH)  # the examples its demos were chosen from
    model: str  # the model it was compiled for, by name (never its endpoint)
    ciopt: str  # ciopt's version, with its git commit when run from a checkout


class EvalFigures(BaseModel):
    """A policy's figures on one split of the task corpus."""

    model_config = _FROZEN

    tasks: int = Field(ge=0)
    mean_reward: float
    yield_count: int = Field(ge=0)  # tasks with a verified speedup
    decoded_share: float = Field(ge=0, le=1)
    applied_share: float = Field(ge=0, le=1)
    llm_calls: int = Field(ge=0)
    tokens: int = Field(ge=0)
    wall_s: float = Field(ge=0)


class PolicyEvaluation(BaseModel):
    """A compiled policy's figures, and the holdout figures of the policy it was compared with."""

    model_config = _FROZEN

    metric_version: int  # the reward's version (``learn.reward.METRIC_VERSION``)
    train: EvalFigures
    holdout: EvalFigures
    baseline: str  # the policy compared with: its id, or "default" (the built-in prompting)
    baseline_holdout: EvalFigures


class Policy(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    schema_: Literal["ciopt.policy/1"] = Field(POLICY_SCHEMA, alias="schema")
    signature: str
    signature_schema_hash: str = Field(pattern=_HASH)
    instructions: dict[str, str]
    demos: list[Demo] = []
    params: PolicyParams
    versions: dict[str, str]
    notes: str = ""
    provenance: Provenance | None = None  # compiled policies only
    evaluation: PolicyEvaluation | None = None  # compiled policies only

    @property
    def id(self) -> str:
        return sha256_hex(self.dump())

    @property
    def prompting_id(self) -> str:
        """sha256 of what shapes its prompts, not of its notes, figures or provenance: a compiled
        policy prompts as the search point it was measured as (the eval cache keeps runs by it)."""
        told = ("notes", "provenance", "evaluation")
        return sha256_hex({k: v for k, v in self.dump().items() if k not in told})

    def dump(self) -> dict[str, Any]:
        doc = self.model_dump(mode="json", by_alias=True)
        for key in ("provenance", "evaluation"):  # absent when unset: a written policy's id holds
            if doc[key] is None:
                del doc[key]
        return doc

    def instruction(self) -> str | None:
        """The pinned instruction text, or None for the signature's built-in one."""
        variant = self.params.instruction_variant
        return None if variant == "default" else self.instructions[variant]

    def shots(self) -> list[Demo]:
        """The demos ``params.few_shot_ids`` names, in that order."""
        by_id = {demo.id: demo for demo in self.demos}
        return [by_id[i] for i in self.params.few_shot_ids]

    @model_validator(mode="after")
    def _consistent(self) -> Policy:
        variant = self.params.instruction_variant
        if "default" in self.instructions:
            raise ValueError("instructions: 'default' names the built-in instruction; rename it")
        if variant != "default" and variant not in self.instructions:
            raise ValueError(f"params.instruction_variant {variant!r} is not in instructions")
        ids = [demo.id for demo in self.demos]
        if len(set(ids)) != len(ids):
            raise ValueError("demos: two demos share an id")
        missing = [i for i in self.params.few_shot_ids if i not in ids]
        if missing:
            raise ValueError(f"params.few_shot_ids: no demo with id {', '.join(missing)}")
        for where, text in _strings(self.dump(), ""):
            if "://" in text:
                raise ValueError(f"{where}: a policy never holds URLs or endpoints")
            if _REDACTOR.text(text) != text:
                raise ValueError(f"{where}: a policy never holds keys or tokens")
        return self


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """Every string in a JSON value (keys too), with the path that leads to it."""
    if isinstance(value, str):
        yield where or "policy", value
    elif isinstance(value, dict):
        for key, item in value.items():
            path = f"{where}.{key}" if where else str(key)
            yield path, str(key)
            yield from _strings(item, path)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from _strings(item, f"{where}[{n}]")


def default_params() -> PolicyParams:
    return PolicyParams()


def load_policy(text: str, source: str) -> Policy:
    """A policy from JSON text; any problem is a one-line ConfigError naming ``source``."""
    try:
        return Policy.model_validate_json(text)
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(part) for part in err["loc"])
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        msg = str(err["msg"]).removeprefix("Value error, ")
        where = f"{loc}: " if loc else ""
        raise ConfigError(f"{source} is not a valid policy: {where}{msg}{more}") from exc


@dataclass(frozen=True)
class PolicyEntry:
    policy: Policy
    id: str
    active: bool


class _Active(BaseModel):
    model_config = _FROZEN

    schema_: Literal["ciopt.policies.active/1"] = Field(ACTIVE_SCHEMA, alias="schema")
    active: dict[str, list[Annotated[str, Field(pattern=_HASH)]]] = {}


class PolicyRegistry:
    """The policies under ``root`` (``<repo>/.ciopt/policies``) and the one each signature uses."""

    def __init__(self, root: Path, schema_hashes: Mapping[str, str]) -> None:
        self.root = root
        self.schema_hashes = dict(schema_hashes)

    def add(self, policy: Policy) -> str:
        pid = policy.id
        path = self.root / f"{pid}.json"
        if path.exists():
            self._load(path)  # the name is the content's hash: same name, same content
        else:
            self.root.mkdir(parents=True, exist_ok=True)
            _write(path, canonical_json(policy.dump()) + "\n")
        return pid

    def get(self, ref: str) -> Policy:
        return self._load(self.root / f"{self._resolve(ref)}.json")

    def list(self) -> list[PolicyEntry]:
        stacks = self._stacks()
        entries = []
        for pid in self._ids():
            policy = self._load(self.root / f"{pid}.json")
            on = stacks.get(policy.signature, [])
            entries.append(PolicyEntry(policy, pid, bool(on) and on[-1] == pid))
        return sorted(entries, key=lambda e: (e.policy.signature, e.id))

    def active(self, signature: str) -> Policy | None:
        self._known(signature, "asked for the active policy of")
        stacks = self._stacks()
        for name in stacks:
            self._known(name, f"{self._active_path()} names")
        if not stacks.get(signature):
            return None
        policy = self.get(stacks[signature][-1])
        if policy.signature != signature:
            raise ConfigError(
                f"{self._active_path()} makes a {policy.signature} policy active for {signature}; "
                f"run `ciopt policy rollback {signature}`"
            )
        if policy.signature_schema_hash != self.schema_hashes[signature]:
            raise ConfigError(
                f"the active {signature} policy {short_id(policy.id)} was compiled for another "
                f"version of the signature; run `ciopt policy rollback {signature}` "
                "or promote a recompiled one"
            )
        return policy

    def promote(self, ref_or_path: str, *, force: bool = False) -> Policy:
        policy = self._policy_from(ref_or_path)
        self._known(policy.signature, f"{ref_or_path} is for")
        if policy.signature_schema_hash != self.schema_hashes[policy.signature] and not force:
            raise ConfigError(
                f"{ref_or_path} was compiled for another version of the {policy.signature} "
                "signature; recompile it, or pass --force to promote it anyway"
            )
        pid = self.add(policy)
        stacks = self._stacks()
        stack = stacks.setdefault(policy.signature, [])
        if not stack or stack[-1] != pid:
            stack.append(pid)
            self._write_stacks(stacks)
        return policy

    def rollback(self, signature: str) -> Policy | None:
        stacks = self._stacks()
        if not stacks.get(signature):
            raise ConfigError(f"nothing to roll back: {signature} already uses its defaults")
        stacks[signature].pop()
        if not stacks[signature]:
            del stacks[signature]
        self._write_stacks(stacks)
        return self.get(stacks[signature][-1]) if signature in stacks else None

    def history(self, signature: str) -> Sequence[str]:
        """The ids promoted for ``signature``, oldest first; the last one is active."""
        return self._stacks().get(signature, [])

    def _policy_from(self, ref_or_path: str) -> Policy:
        path = Path(ref_or_path)
        if path.is_file():
            return load_policy(path.read_text(encoding="utf-8"), str(path))
        if path.suffix == ".json" or "/" in ref_or_path:
            raise ConfigError(f"{ref_or_path} does not exist; give a policy file or a policy id")
        return self.get(ref_or_path)

    def _known(self, signature: str, what: str) -> None:
        if signature not in self.schema_hashes:
            known = ", ".join(sorted(self.schema_hashes)) or "none"
            raise ConfigError(f"{what} unknown signature {signature!r} (known: {known})")

    def _resolve(self, ref: str) -> str:
        ref = ref.lower()
        if not re.fullmatch(r"[0-9a-f]{8,64}", ref):
            raise ConfigError(
                f"policy ref {ref!r}: give a policy id, or a prefix of it of 8+ hex characters"
            )
        ids = self._ids()
        matches = [pid for pid in ids if pid.startswith(ref)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            raise ConfigError(f"policy ref {ref} is ambiguous: {', '.join(matches)}")
        stored = ", ".join(short_id(pid) for pid in ids) or "none"
        raise ConfigError(f"no policy {ref} in {self.root} (stored: {stored})")

    def _ids(self) -> tuple[str, ...]:
        if not self.root.is_dir():
            return ()
        return tuple(
            sorted(p.stem for p in self.root.glob("*.json") if re.fullmatch(_HASH, p.stem))
        )

    def _load(self, path: Path) -> Policy:
        policy = load_policy(path.read_text(encoding="utf-8"), str(path))
        if policy.id != path.stem:
            raise ConfigError(
                f"{path} was modified (its content no longer hashes to its name); policies are "
                "immutable: restore it with git, or promote a new policy instead"
            )
        return policy

    def _active_path(self) -> Path:
        return self.root / "active.json"

    def _stacks(self) -> _Stacks:
        path = self._active_path()
        if not path.is_file():
            return {}
        try:
            doc = _Active.model_validate_json(path.read_bytes())
        except ValidationError as exc:
            raise ConfigError(
                f"{path} is not a valid active-policy file: {exc.errors()[0]['msg']}; "
                "restore it with git"
            ) from exc
        return {signature: list(ids) for signature, ids in doc.active.items()}

    def _write_stacks(self, stacks: _Stacks) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        doc = _Active(active=stacks).model_dump(mode="json", by_alias=True)
        _write(self._active_path(), json.dumps(doc, indent=2, sort_keys=True) + "\n")


def short_id(pid: str) -> str:
    return pid[:12]


def _write(path: Path, text: str) -> None:
    """Write through a temporary file and a rename, so readers see the old file or the new one."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
