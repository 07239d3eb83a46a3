"""``ciopt policy``: list, show, write, promote and roll back the policies a repository pins."""

from __future__ import annotations

import argparse
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from ciopt.agent import EvalFigures, Policy, PolicyParams, PolicyRegistry, short_id
from ciopt.errors import ConfigError

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "policy", help="the prompt policies pinned in a repository (.ciopt/policies)"
    )
    actions = p.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="every stored policy, and which ones are active")
    show = actions.add_parser("show", help="one policy's JSON, its id and whether it is active")
    show.add_argument("ref", help="a policy id, or a unique prefix of 8+ hex characters")
    promote = actions.add_parser("promote", help="make a policy active for its signature")
    promote.add_argument("ref", metavar="REF_OR_FILE", help="a stored policy's id, or a JSON file")
    promote.add_argument(
        "--force",
        action="store_true",
        help="promote even if compiled for another signature version",
    )
    new = actions.add_parser(
        "new", help="print a starting policy for a signature: edit it, save it, promote it"
    )
    new.add_argument("signature", help="e.g. propose_optimization")
    rollback = actions.add_parser("rollback", help="return a signature to its previous policy")
    rollback.add_argument("signature", help="e.g. propose_optimization")
    for action in (listing, show, promote, rollback, new):
        action.add_argument(
            "--repo", type=Path, default=Path("."), help="the repository (default: .)"
        )


def run(args: argparse.Namespace) -> int:
    repo: Path = args.repo
    if not repo.is_dir():
        raise ConfigError(f"--repo {repo} is not a directory")
    registry = PolicyRegistry(repo / ".ciopt" / "policies", _schema_hashes())
    if args.action == "list":
        lines = _table(registry)
    elif args.action == "new":
        policy = starter(args.signature)
        lines = [json.dumps(policy.dump(), indent=2, ensure_ascii=False)]
    elif args.action == "show":
        lines = _show(registry, registry.get(args.ref))
    elif args.action == "promote":
        before = {sig: list(registry.history(sig))[-1:] for sig in registry.schema_hashes}
        policy = registry.promote(args.ref, force=args.force)
        active = before.get(policy.signature) or []
        lines = [
            f"{policy.signature} now uses policy {short_id(policy.id)}",
            *_stale(registry, policy),
            *holdout_lines(policy, registry.get(active[0]) if active else None),
        ]
    else:
        back = registry.rollback(args.signature)
        now = f"policy {short_id(back.id)}" if back else "its built-in defaults"
        lines = [f"{args.signature} rolled back; it now uses {now}", *_stale(registry, back)]
    print("\n".join(lines))
    return 0


def starter(signature: str) -> Policy:
    """The signature's built-in prompting as a policy, pinned to this ciopt's versions."""
    from ciopt.agent import SIGNATURES  # noqa: PLC0415

    if signature not in SIGNATURES:
        raise ConfigError(f"unknown signature {signature!r}; known: {', '.join(SIGNATURES)}")
    sig = SIGNATURES[signature]
    return Policy(
        signature=signature,
        signature_schema_hash=sig.schema_hash,
        instructions={"custom": sig.instruction},
        params=PolicyParams(instruction_variant="custom"),
        versions={name: _version(name) for name in ("ciopt", "litellm", "pydantic", "jinja2")},
        notes="written by `ciopt policy new`",
    )


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "unknown"


def _schema_hashes() -> dict[str, str]:
    """The current schema hash of every signature this ciopt knows."""
    # imported on use: the signatures module pulls in the whole agent layer
    from ciopt.agent import schema_hashes  # noqa: PLC0415

    return dict(schema_hashes())


def _table(registry: PolicyRegistry) -> list[str]:
    entries = registry.list()
    if not entries:
        return [f"no policies in {registry.root}"]
    rows = [["SIGNATURE", "ID", "ACTIVE", "VARIANT", "DEMOS", "NOTES"]]
    for e in entries:
        variant = e.policy.params.instruction_variant
        marker = "*" if e.active else ""
        demos = str(len(e.policy.demos))
        rows.append([e.policy.signature, short_id(e.id), marker, variant, demos, e.policy.notes])
    widths = [max(len(row[n]) for row in rows) for n in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def _show(registry: PolicyRegistry, policy: Policy) -> list[str]:
    active = list(registry.history(policy.signature))[-1:] == [policy.id]
    return [
        f"id: {policy.id}",
        f"active: {'yes' if active else 'no'} (for {policy.signature})",
        json.dumps(policy.dump(), indent=2, ensure_ascii=False),
    ]


def holdout_lines(policy: Policy, active: Policy | None) -> list[str]:
    """The promoted policy's holdout figures against those of the policy it replaces."""
    if active is not None and active.id == policy.id:
        return []
    ours = policy.evaluation
    if ours is None:
        return [f"no holdout figures for {short_id(policy.id)} (it was not compiled)"]
    lines = [f"holdout, {short_id(policy.id)}: {_figures(ours.holdout)}"]
    was = "the default prompting" if active is None else f"the active {short_id(active.id)}"
    if ours.baseline == (active.id if active else "default"):  # measured beside it
        lines.append(f"holdout, {was}: {_figures(ours.baseline_holdout)}")
    elif active is not None and active.evaluation is not None:
        lines.append(f"holdout, {was} (its own compile): {_figures(active.evaluation.holdout)}")
    else:
        lines.append(f"no holdout figures for {was}")
    return lines


def _figures(f: EvalFigures) -> str:
    return (
        f"mean reward {f.mean_reward:.3f}, {f.yield_count}/{f.tasks} faster, "
        f"{f.decoded_share:.0%} decoded, {f.applied_share:.0%} applied, {f.llm_calls} calls"
    )


def _stale(registry: PolicyRegistry, policy: Policy | None) -> list[str]:
    current = registry.schema_hashes.get(policy.signature) if policy else None
    if policy is None or policy.signature_schema_hash == current:
        return []
    return [
        f"warning: {short_id(policy.id)} was compiled for another version of {policy.signature}; "
        "runs will refuse it until you roll back or promote a recompiled policy"
    ]
