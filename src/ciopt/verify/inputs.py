"""Generated inputs for one function: from its type hints when it has usable ones, else from the
shapes of its recorded calls.

- Hints (``generate``): hypothesis values of the hinted types, in ciopt's process.
- Recorded shapes (``shapegen``): builtin values of the types the tests and the benchmark really
  passed, edge cases first, in ciopt's process.
- Recorded calls whose arguments hold objects of the client's classes cannot be imitated there:
  ``ciopt_variants`` derives variants of their container arguments (empty, one item, duplicated,
  reversed, large) from the recorded objects, in the client's interpreter. Those without a
  container argument are left out, and the note says so.

Every generated call carries its shape, as recorded calls do, for the evidence floor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ciopt.client import Client
from ciopt.inject import INJECT_DIR
from ciopt.verify.generate import generate_inputs
from ciopt.verify.recording import Recorded, load_calls, write_calls
from ciopt.verify.shapegen import FromShapes, from_shapes
from ciopt.verify.shapes import describe_call, read_shape, varies

__all__ = ["InputBudget", "Inputs", "Source", "prepare_inputs"]

_Call = tuple[tuple[Any, ...], dict[str, Any]]
Source = Literal["hints", "shapes"]


@dataclass(frozen=True)
class Inputs:
    calls: Recorded | None  # as written to the file of generated calls; None: nothing generated
    note: str | None  # why nothing was generated, or what was left out
    source: Source | None


@dataclass(frozen=True)
class InputBudget:
    """How many inputs to generate per function, within how long, from which seed."""

    examples: int
    seconds: float
    seed: int
    timeout: float  # the variants' process


def prepare_inputs(
    client: Client,
    base: Path,
    dest: Path,
    *,
    key: str,
    path: str,
    qualname: str,
    recorded: Recorded | None,
    recording: Path,
    budget: InputBudget,
) -> Inputs:
    """Generate inputs for ``key`` (``qualname`` in ``path``) and write them to ``dest``."""
    if budget.examples <= 0:
        return Inputs(None, None, None)
    file = base / path
    source = file.read_text() if file.is_file() else ""
    hinted = generate_inputs(
        source,
        qualname,
        max_examples=budget.examples,
        seconds=budget.seconds,
        seed=budget.seed,
    )
    if hinted.calls:
        return Inputs(_write(dest, key, hinted.calls), None, "hints")
    why = hinted.skipped or "no inputs from its type hints"
    shapes = [read_shape(call.get("shape")) for call in (recorded.calls if recorded else [])]
    if not any(shapes):
        return Inputs(None, f"{why}, and no recorded call shows its argument types", None)
    made = from_shapes(
        shapes, max_examples=budget.examples, seconds=budget.seconds, seed=budget.seed
    )
    vary = [n for n in made.unbuilt if varies(shapes[n])]
    if vary:  # room for the variants: up to 5 a call (empty, one, twice, reversed, large)
        made.calls = made.calls[: budget.examples - min(budget.examples // 2, 5 * len(vary))]
    written = _write(dest, key, made.calls) if made.calls else None
    room = budget.examples - len(made.calls)
    if vary and room > 0:
        written = _vary(client, base, dest, key, recording, vary, room, budget, made) or written
    varied = len(written.calls) - len(made.calls) if written else 0
    if written is None or not written.calls:
        return Inputs(None, f"{why}; {_left_out(made, vary, varied)}", None)
    return Inputs(written, _left_out(made, vary, varied) if made.unbuilt else None, "shapes")


def _write(dest: Path, key: str, calls: Sequence[_Call]) -> Recorded:
    written = write_calls(dest, key, calls)
    for entry, (args, kwargs) in zip(written.calls, calls, strict=True):
        entry["shape"] = describe_call(args, kwargs)
    return written


def _vary(
    client: Client,
    base: Path,
    dest: Path,
    key: str,
    recording: Path,
    vary: list[int],
    room: int,
    budget: InputBudget,
    made: FromShapes,
) -> Recorded | None:
    """The generated calls with variants of recorded ones appended, made in the client."""
    if not made.calls:
        dest.unlink(missing_ok=True)
    client.run(
        base,
        [
            str(INJECT_DIR / "ciopt_variants.py"),
            str(recording),
            str(dest),
            f"--only={key}",
            *(f"--call={n}" for n in vary),
            f"--max={room}",
        ],
        timeout=budget.timeout,
        PYTHONHASHSEED=str(budget.seed),
    )
    try:
        found = load_calls(dest).get(key)
    except Exception:  # the variants' process failed before writing: keep what was written
        return None
    if found is not None:  # the calls ciopt wrote lost their shapes in the file
        for entry, (args, kwargs) in zip(found.calls, made.calls, strict=False):
            entry["shape"] = describe_call(args, kwargs)
    return found


def _left_out(made: FromShapes, vary: list[int], varied: int) -> str:
    """What the note says of the recorded calls that could not be imitated."""
    names = ", ".join(sorted(made.classes)[:3]) or "values nested too deep"
    if len(made.classes) > 3:
        names += f" and {len(made.classes) - 3} more"
    if not vary:
        return f"recorded calls holding {names} are left out (no container argument to vary)"
    if not varied:
        return f"recorded calls holding {names} are left out (no variant of them could be made)"
    said = f"calls holding {names} are varied from {len(vary)} recorded call(s)"
    kept = len(made.unbuilt) - len(vary)
    return f"{said}; {kept} without a container argument are left out" if kept else said
